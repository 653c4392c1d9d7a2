module cprofiler.test

go 1.19
