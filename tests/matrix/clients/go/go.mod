module metropipe.matrix/client

go 1.19
