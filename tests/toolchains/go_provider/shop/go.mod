module example.com/shop

go 1.21

require example.com/fmtx v0.0.0

// a local module, so that nothing is downloaded
replace example.com/fmtx => ./third_party/fmtx
