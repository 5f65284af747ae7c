package main

import (
	"math"

	"github.com/zaf/g711"
)

func decode(c byte) int16 { return g711.DecodeUlawFrame(c) }

func encode(v float64) byte {
	return g711.EncodeUlawFrame(int16(math.Max(math.Min(v, math.MaxInt16), math.MinInt16)))
}
