module example.com/fmtx

go 1.21
