package per

import "testing"

func setupBench(b *testing.B) (*Type, Seq, []byte) {
	uu := mustType(b, H323(), "H323-MESSAGES", "H323-UserInformation")
	olc, err := mustType(b, H323(), "MULTIMEDIA-SYSTEM-CONTROL", "OpenLogicalChannel").Encode(g711OLC(1, 5003))
	if err != nil {
		b.Fatal(err)
	}
	v := setupValue([]any{olc, olc})
	enc, err := uu.Encode(v)
	if err != nil {
		b.Fatal(err)
	}
	return uu, v, enc
}

func BenchmarkEncodeSetup(b *testing.B) {
	uu, v, enc := setupBench(b)
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := uu.Encode(v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeSetup(b *testing.B) {
	uu, _, enc := setupBench(b)
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := uu.Decode(enc); err != nil {
			b.Fatal(err)
		}
	}
}
