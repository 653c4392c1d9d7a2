package main

// The CPU work of pgoservice: walks through sixteen stages, each calling the
// dispatcher again, with the mixing done at the bottom of a walk, so that
// the stacks of a CPU profile are deep and distinct (16^depth paths) while
// its caller->callee edges are few: what makes --pgo-keep's aggregation
// worth having. Some mixing is inlined without a profile (inlined frames
// in the profile), some is not, and with go build -pgo hot call sites show
// in this file (pgodebug).
//
// Only this file and pgomain.go are built with -pgo by the tests: no
// imports, so that the standard library rebuilt with the profile is small.

//go:noinline
func dispatch(depth int, x uint64) uint64 {
	if depth == 0 {
		return x
	}
	switch (x*0x9e3779b97f4a7c15 + uint64(depth)) >> 60 {
	case 0:
		return stage0(depth, x)
	case 1:
		return stage1(depth, x)
	case 2:
		return stage2(depth, x)
	case 3:
		return stage3(depth, x)
	case 4:
		return stage4(depth, x)
	case 5:
		return stage5(depth, x)
	case 6:
		return stage6(depth, x)
	case 7:
		return stage7(depth, x)
	case 8:
		return stage8(depth, x)
	case 9:
		return stage9(depth, x)
	case 10:
		return stage10(depth, x)
	case 11:
		return stage11(depth, x)
	case 12:
		return stage12(depth, x)
	case 13:
		return stage13(depth, x)
	case 14:
		return stage14(depth, x)
	default:
		return stage15(depth, x)
	}
}

// iters: the mixing a stage does, nearly all of it at the walk's bottom.
func iters(depth, n int) int {
	if depth > 1 {
		return 1
	}
	return n
}

func stage0(depth int, x uint64) uint64  { return dispatch(depth-1, mixA(x, iters(depth, 40))) }
func stage1(depth int, x uint64) uint64  { return dispatch(depth-1, mixB(x, iters(depth, 45))) }
func stage2(depth int, x uint64) uint64  { return dispatch(depth-1, mixC(x, iters(depth, 50))) }
func stage3(depth int, x uint64) uint64  { return dispatch(depth-1, mixA(x, iters(depth, 55))) }
func stage4(depth int, x uint64) uint64  { return dispatch(depth-1, mixB(x, iters(depth, 60))) }
func stage5(depth int, x uint64) uint64  { return dispatch(depth-1, mixC(x, iters(depth, 65))) }
func stage6(depth int, x uint64) uint64  { return dispatch(depth-1, mixA(x, iters(depth, 70))) }
func stage7(depth int, x uint64) uint64  { return dispatch(depth-1, mixB(x, iters(depth, 75))) }
func stage8(depth int, x uint64) uint64  { return dispatch(depth-1, mixC(x, iters(depth, 80))) }
func stage9(depth int, x uint64) uint64  { return dispatch(depth-1, mixA(x, iters(depth, 85))) }
func stage10(depth int, x uint64) uint64 { return dispatch(depth-1, mixB(x, iters(depth, 90))) }
func stage11(depth int, x uint64) uint64 { return dispatch(depth-1, mixC(x, iters(depth, 95))) }
func stage12(depth int, x uint64) uint64 { return dispatch(depth-1, mixA(x, iters(depth, 100))) }
func stage13(depth int, x uint64) uint64 { return dispatch(depth-1, mixB(x, iters(depth, 105))) }
func stage14(depth int, x uint64) uint64 { return dispatch(depth-1, mixC(x, iters(depth, 110))) }
func stage15(depth int, x uint64) uint64 { return dispatch(depth-1, mixA(x, iters(depth, 115))) }

func mixA(x uint64, n int) uint64 {
	for i := 0; i < n; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		x += uint64(i) * 0x9e3779b97f4a7c15
		if x&1 == 0 {
			x = x*3 + 1
		} else {
			x = x>>1 ^ 0xd1b54a32d192ed03
		}
		x ^= (x >> 29) * 0xbf58476d1ce4e5b9
	}
	return x
}

func mixB(x uint64, n int) uint64 {
	a, b := x, x^0x94d049bb133111eb
	for i := 0; i < n; i++ {
		a += b
		b ^= a << 21
		a ^= b >> 11
		b += a * 0x2545f4914f6cdd1d
		switch a % 3 {
		case 0:
			a ^= 0xa0761d6478bd642f
		case 1:
			b ^= 0xe7037ed1a0b428db
		default:
			a, b = b, a
		}
	}
	return a ^ b
}

func mixC(x uint64, n int) uint64 {
	var acc [4]uint64
	for i := 0; i < n; i++ {
		acc[i%4] += x
		x = x*6364136223846793005 + 1442695040888963407
		x ^= acc[(i+1)%4] >> 17
		if acc[i%4] > x {
			acc[(i+2)%4] ^= x
		} else {
			acc[(i+3)%4] += x >> 3
		}
	}
	return x*0x2545f4914f6cdd1d ^ acc[0] ^ acc[1] ^ acc[2] ^ acc[3]
}

// work runs walks of `depth` stages from ever new seeds until stop closes.
func work(depth int, seed uint64, stop <-chan struct{}) uint64 {
	for {
		select {
		case <-stop:
			return seed
		default:
		}
		for i := 0; i < 100; i++ {
			seed = dispatch(depth, seed*0x9e3779b97f4a7c15+uint64(i))
		}
	}
}
