package mixer

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley/media"
)

// wantDC checks that pcm is n samples all equal to v.
func wantDC(t *testing.T, who string, pcm []int16, n int, v int16) {
	t.Helper()
	if len(pcm) != n {
		t.Fatalf("%s received %d samples, want %d", who, len(pcm), n)
	}
	for i, s := range pcm {
		if s != v {
			t.Fatalf("%s sample %d = %d, want %d", who, i, s, v)
		}
	}
}

func TestTickMix(t *testing.T) {
	type legSpec struct {
		id    string
		level int16
		opts  []AddOption
	}
	tests := []struct {
		name string
		legs []legSpec
		want map[string]int16 // every sample of the leg's last payload
	}{{
		name: "three talkers each hear the other two, listeners all three",
		legs: []legSpec{{"a", 1000, nil}, {"b", 2000, nil}, {"c", 4000, nil}, {"l", 0, nil}},
		want: map[string]int16{"a": 6000, "b": 5000, "c": 3000, "l": 7000},
	}, {
		name: "a lone talker hears silence",
		legs: []legSpec{{"a", 1000, nil}, {"l", 0, nil}},
		want: map[string]int16{"a": 0, "l": 1000},
	}, {
		name: "legs below the threshold are not mixed",
		legs: []legSpec{{"a", 1000, nil}, {"quiet", 100, nil}, {"l", 0, nil}}, // 100 is -50 dBFS
		want: map[string]int16{"a": 0, "quiet": 1000, "l": 1000},
	}, {
		name: "the total saturates at +32767 instead of wrapping",
		legs: []legSpec{{"a", 20000, nil}, {"b", 20000, nil}, {"c", 20000, nil}, {"l", 0, nil}},
		want: map[string]int16{"a": 32767, "b": 32767, "c": 32767, "l": 32767},
	}, {
		name: "the total saturates at -32768 instead of wrapping",
		legs: []legSpec{{"a", -20000, nil}, {"b", -20000, nil}, {"c", -20000, nil}, {"l", 0, nil}},
		want: map[string]int16{"a": -32768, "b": -32768, "c": -32768, "l": -32768},
	}, {
		name: "N-1 is taken from the unsaturated total",
		legs: []legSpec{{"a", 30000, nil}, {"b", 30000, nil}, {"c", -30000, nil}, {"l", 0, nil}},
		want: map[string]int16{"a": 0, "b": 0, "c": 32767, "l": 30000},
	}, {
		name: "a muted talker is not heard but hears",
		legs: []legSpec{{"a", 1000, []AddOption{WithMuted(true)}}, {"b", 2000, nil}, {"l", 0, nil}},
		want: map[string]int16{"a": 2000, "b": 0, "l": 2000},
	}, {
		name: "a listen-only leg is never heard but hears",
		legs: []legSpec{{"s", 5000, []AddOption{WithListenOnly(true)}}, {"a", 1000, nil}, {"l", 0, nil}},
		want: map[string]int16{"s": 1000, "a": 0, "l": 1000},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newTestRoom(t, newFakeCodec(), Options{})
			legs := map[string]*fakeLeg{}
			for _, s := range tt.legs {
				legs[s.id] = newLeg(media.PCMU, s.level)
				if err := r.Add(s.id, legs[s.id], s.opts...); err != nil {
					t.Fatal(err)
				}
			}
			for range 3 {
				r.Tick()
			}
			for id, v := range tt.want {
				wantDC(t, id, legs[id].last(), 160, v)
				if _, _, _, writes := legs[id].stats(); writes != 3 {
					t.Errorf("%s got %d payloads in 3 ticks, want 3", id, writes)
				}
			}
		})
	}
}

func TestMutedAndListenOnlyAreNotRead(t *testing.T) {
	c := newFakeCodec()
	var events []string
	r := newTestRoom(t, c, Options{OnTalking: func(id string, on bool) { events = append(events, fmt.Sprintf("%s %v", id, on)) }})
	a, s := newLeg(media.PCMU, 1000), newLeg(media.PCMU, 1000)
	if err := r.Add("a", a); err != nil {
		t.Fatal(err)
	}
	if err := r.Add("s", s, WithListenOnly(true)); err != nil {
		t.Fatal(err)
	}
	r.Tick()
	if !r.Talking("a") || r.Talking("s") {
		t.Fatalf("Talking(a), Talking(s) = %v, %v; want true, false", r.Talking("a"), r.Talking("s"))
	}
	if err := r.SetMuted("a", true); err != nil {
		t.Fatal(err)
	}
	r.Tick()
	r.Tick()
	if r.Talking("a") {
		t.Error("a muted is still talking")
	}
	if reads, _, _, _ := a.stats(); reads != 1 {
		t.Errorf("a read %d times, want 1 (not while muted)", reads)
	}
	if reads, _, _, writes := s.stats(); reads != 0 || writes != 3 {
		t.Errorf("listen-only s: %d reads, %d writes; want 0, 3", reads, writes)
	}
	if want := []string{"a true", "a false"}; !slices.Equal(events, want) {
		t.Errorf("OnTalking events %q, want %q", events, want)
	}
	// Unmuted, a is heard again; s, back from listen-only, too.
	if err := r.SetMuted("a", false); err != nil {
		t.Fatal(err)
	}
	if err := r.SetListenOnly("s", false); err != nil {
		t.Fatal(err)
	}
	l := newLeg(media.PCMU, 0)
	if err := r.Add("l", l); err != nil {
		t.Fatal(err)
	}
	r.Tick()
	wantDC(t, "l", l.last(), 160, 2000)
}

func TestSharedEncodes(t *testing.T) {
	const listeners = 50
	c := newFakeCodec()
	r := newTestRoom(t, c, Options{})
	var pcmu, pcma []*fakeLeg
	for i := range listeners {
		l := newLeg(media.PCMU, 0)
		pcmu = append(pcmu, l)
		if err := r.Add(fmt.Sprint("u", i), l); err != nil {
			t.Fatal(err)
		}
		l = newLeg(media.PCMA, 10) // below the threshold
		pcma = append(pcma, l)
		if err := r.Add(fmt.Sprint("a", i), l); err != nil {
			t.Fatal(err)
		}
	}
	for i, level := range []int16{1000, 2000, 4000} {
		if err := r.Add(fmt.Sprint("talker", i), newLeg(media.PCMU, level)); err != nil {
			t.Fatal(err)
		}
	}
	const ticks = 5
	for tick := 1; tick <= ticks; tick++ {
		r.Tick()
		// One encode per format among listeners, one per talker.
		if _, n := c.counts(media.PCMU); n != 4*tick {
			t.Fatalf("tick %d: %d PCMU encodes so far, want %d", tick, n, 4*tick)
		}
		if _, n := c.counts(media.PCMA); n != tick {
			t.Fatalf("tick %d: %d PCMA encodes so far, want %d", tick, n, tick)
		}
	}
	if s := r.Stats(); s.Encodes != 5 || s.Talkers != 3 || s.Ticks != ticks || s.Participants != 2*listeners+3 {
		t.Errorf("Stats() = %+v, want 5 encodes, 3 talkers, %d ticks, %d participants", s, ticks, 2*listeners+3)
	}
	// Encoders are kept across ticks.
	if n, _ := c.counts(media.PCMU); n != 4 {
		t.Errorf("%d PCMU encoders created, want 4 (1 shared + 3 talkers)", n)
	}
	if n, _ := c.counts(media.PCMA); n != 1 {
		t.Errorf("%d PCMA encoders created, want 1", n)
	}
	for i, l := range append(pcmu, pcma...) {
		if _, _, _, writes := l.stats(); writes != ticks {
			t.Fatalf("listener %d got %d payloads, want %d", i, writes, ticks)
		}
		wantDC(t, fmt.Sprint("listener ", i), l.last(), 160, 7000)
	}
}

func TestEncodersDroppedWhenUnused(t *testing.T) {
	c := newFakeCodec()
	r := newTestRoom(t, c, Options{Hangover: 20 * time.Millisecond})
	a, b := newLeg(media.PCMU, 1000), newLeg(media.PCMU, 0)
	for id, l := range map[string]*fakeLeg{"a": a, "b": b} {
		if err := r.Add(id, l); err != nil {
			t.Fatal(err)
		}
	}
	r.Tick() // a talks: its own encoder and b's shared one
	a.setLevel(0)
	r.Tick() // hangover
	r.Tick() // a and b share one encoder; a's own is dropped
	a.setLevel(1000)
	r.Tick() // a talks again: a new encoder
	if n, _ := c.counts(media.PCMU); n != 3 {
		t.Errorf("%d encoders created, want 3", n)
	}
}

func TestTalkerDetection(t *testing.T) {
	tests := []struct {
		name      string
		opts      Options
		levels    []int16 // a's level in each tick; 0 is no audio
		talking   string  // Talking("a") after each tick: T or .
		heard     []int16 // what the listener receives each tick
		wantEvent []string
	}{{
		name:      "hangover of three ticks keeps the ends of words",
		opts:      Options{Hangover: 60 * time.Millisecond},
		levels:    []int16{1000, 1000, 50, 50, 50, 50, 0, 1000},
		talking:   "TTTTT..T",
		heard:     []int16{1000, 1000, 50, 50, 50, 0, 0, 1000},
		wantEvent: []string{"a true", "a false", "a true"},
	}, {
		name:      "default hangover is 15 ticks",
		levels:    []int16{1000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		talking:   "TTTTTTTTTTTTTTTT.",
		wantEvent: []string{"a true", "a false"},
	}, {
		name:    "just above -45 dBFS talks",
		opts:    Options{Hangover: 20 * time.Millisecond},
		levels:  []int16{190, 190, 0, 0},
		talking: "TTT.",
		heard:   []int16{190, 190, 0, 0},
	}, {
		name:    "just below -45 dBFS does not",
		levels:  []int16{180, 180},
		talking: "..",
		heard:   []int16{0, 0},
	}, {
		name:    "threshold -30 dBFS",
		opts:    Options{TalkerThreshold: -30, Hangover: 20 * time.Millisecond},
		levels:  []int16{1000, 1100, 1000, 1000},
		talking: ".TT.",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var events []string
			tt.opts.OnTalking = func(id string, on bool) { events = append(events, fmt.Sprintf("%s %v", id, on)) }
			r := newTestRoom(t, newFakeCodec(), tt.opts)
			a, l := newLeg(media.PCMU, 0), newLeg(media.PCMU, 0)
			if err := r.Add("a", a); err != nil {
				t.Fatal(err)
			}
			if err := r.Add("l", l); err != nil {
				t.Fatal(err)
			}
			for i, level := range tt.levels {
				a.mu.Lock()
				a.level, a.noAudio = level, level == 0
				a.mu.Unlock()
				r.Tick()
				if got, want := r.Talking("a"), tt.talking[i] == 'T'; got != want {
					t.Errorf("tick %d: Talking(a) = %v, want %v", i, got, want)
				}
				if tt.heard != nil {
					wantDC(t, fmt.Sprint("l at tick ", i), l.last(), 160, tt.heard[i])
				}
			}
			if tt.wantEvent != nil && !slices.Equal(events, tt.wantEvent) {
				t.Errorf("OnTalking events %q, want %q", events, tt.wantEvent)
			}
		})
	}
}

func TestRoomRate(t *testing.T) {
	c := newFakeCodec()
	r := newTestRoom(t, c, Options{})
	a, b := newLeg(media.PCMU, 1000), newLeg(media.PCMA, 0)
	if err := r.Add("a", a); err != nil {
		t.Fatal(err)
	}
	if err := r.Add("b", b); err != nil {
		t.Fatal(err)
	}
	check := func(rate, samples int) {
		t.Helper()
		if got := r.Rate(); got != rate {
			t.Fatalf("Rate() = %d, want %d", got, rate)
		}
		r.Tick()
		if _, n, gotRate, _ := a.stats(); n != samples || gotRate != rate {
			t.Fatalf("ReadAudio got %d samples at %d Hz, want %d at %d", n, gotRate, samples, rate)
		}
		wantDC(t, "b", b.last(), samples, 1000)
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, in := range c.inputRates {
			if in != rate {
				t.Fatalf("encoders made for input rates %v, want all %d", c.inputRates, rate)
			}
		}
		c.inputRates = nil
	}
	check(8000, 160)

	o := newLeg(media.Opus, 0)
	if err := r.Add("o", o); err != nil {
		t.Fatal(err)
	}
	check(48000, 960)
	wantDC(t, "o", o.last(), 960, 1000)
	if n, _ := c.counts(media.PCMA); n != 2 {
		t.Errorf("%d PCMA encoders created, want 2 (one per rate)", n)
	}

	r.Remove("o")
	check(8000, 160)
}

func TestEncoderFailure(t *testing.T) {
	c := newFakeCodec()
	c.fail[media.PCMA.String()] = true
	r := newTestRoom(t, c, Options{})
	a, u, x := newLeg(media.PCMU, 1000), newLeg(media.PCMU, 0), newLeg(media.PCMA, 0)
	for id, l := range map[string]*fakeLeg{"a": a, "u": u, "x": x} {
		if err := r.Add(id, l); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		r.Tick()
	}
	if _, _, _, writes := x.stats(); writes != 0 {
		t.Errorf("PCMA leg got %d payloads without an encoder", writes)
	}
	wantDC(t, "u", u.last(), 160, 1000)
	if n, _ := c.counts(media.PCMA); n != 1 {
		t.Errorf("PCMA encoder creation tried %d times, want 1 (no retry while in use)", n)
	}
	if s := r.Stats(); s.EncoderErrors != 1 {
		t.Errorf("EncoderErrors = %d, want 1", s.EncoderErrors)
	}
}

func TestRemove(t *testing.T) {
	r := newTestRoom(t, newFakeCodec(), Options{})
	a, b := newLeg(media.PCMU, 1000), newLeg(media.PCMU, 2000)
	if err := r.Add("a", a); err != nil {
		t.Fatal(err)
	}
	if err := r.Add("b", b); err != nil {
		t.Fatal(err)
	}
	r.Tick()
	if !r.Remove("a") || r.Remove("a") {
		t.Fatal("Remove(a) twice did not report true then false")
	}
	r.Tick()
	if reads, _, _, writes := a.stats(); reads != 1 || writes != 1 {
		t.Errorf("removed leg: %d reads, %d writes; want 1, 1", reads, writes)
	}
	wantDC(t, "b", b.last(), 160, 0)
	if r.Len() != 1 || r.Talking("a") {
		t.Errorf("Len() = %d, Talking(a) = %v; want 1, false", r.Len(), r.Talking("a"))
	}
}

func TestErrors(t *testing.T) {
	c := newFakeCodec()
	for _, o := range []Options{
		{},
		{NewEncoder: c.NewEncoder, TalkerThreshold: 3},
		{NewEncoder: c.NewEncoder, TalkerThreshold: -120},
		{NewEncoder: c.NewEncoder, Hangover: -time.Second},
	} {
		if _, err := New(o); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("New(%+v) error %v, want ErrInvalidOptions", o, err)
		}
	}

	r := newTestRoom(t, c, Options{})
	if err := r.Add("a", newLeg(media.PCMU, 0)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"duplicate id", r.Add("a", newLeg(media.PCMU, 0)), ErrDuplicateID},
		{"rate not a multiple of 50 Hz", r.Add("b", newLeg(media.Format{Name: "x", ClockRate: 8001}, 0)), ErrFormat},
		{"no rate", r.Add("b", newLeg(media.Format{Name: "x"}, 0)), ErrFormat},
		{"SetMuted unknown", r.SetMuted("z", true), ErrNotFound},
		{"SetListenOnly unknown", r.SetListenOnly("z", true), ErrNotFound},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: error %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	if err := r.Add("n", nil); err == nil {
		t.Error("Add of a nil participant succeeded")
	}
	if r.Len() != 1 {
		t.Errorf("Len() = %d after failed Adds, want 1", r.Len())
	}
}

func TestTickDoesNotAllocate(t *testing.T) {
	r, err := New(Options{NewEncoder: newULawEncoder})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if err := r.Add(fmt.Sprint(i), newBenchLeg(media.PCMU, i < 3)); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Add("muted", newBenchLeg(media.PCMU, true), WithMuted(true)); err != nil {
		t.Fatal(err)
	}
	r.Tick()
	if n := testing.AllocsPerRun(100, r.Tick); n != 0 {
		t.Errorf("Tick allocates %v times in steady state, want 0", n)
	}
}

func TestSendOnlyIsHeardButNeverWritten(t *testing.T) {
	c := newFakeCodec()
	r := newTestRoom(t, c, Options{})
	announcer, a := newLeg(media.PCMU, 3000), newLeg(media.PCMU, 0)
	if err := r.Add("announcer", announcer, WithSendOnly()); err != nil {
		t.Fatal(err)
	}
	if err := r.Add("a", a); err != nil {
		t.Fatal(err)
	}
	r.Tick()
	r.Tick()
	wantDC(t, "a", a.last(), 160, 3000)
	if reads, _, _, writes := announcer.stats(); reads != 2 || writes != 0 {
		t.Errorf("send-only: %d reads, %d writes; want 2, 0", reads, writes)
	}
	if st := r.Stats(); st.Encodes != 1 {
		t.Errorf("%d encodes per tick, want 1 (the send-only talker costs none)", st.Encodes)
	}
}
