package main

// Tool is in a main package, which no other package can import.
func Tool(x int32) int32 { return x }

func main() {}
