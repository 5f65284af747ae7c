package prompts

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// rms returns the root mean square of samples as a fraction of full scale.
func rms(samples []int16) float64 {
	var sum float64
	for _, s := range samples {
		v := float64(s) / 32768
		sum += v * v
	}
	return math.Sqrt(sum / float64(max(len(samples), 1)))
}

// peak returns the largest magnitude in samples as a fraction of full scale.
func peak(samples []int16) float64 {
	var p float64
	for _, s := range samples {
		p = max(p, math.Abs(float64(s)/32768))
	}
	return p
}

func TestDefaultHasSpeechForEveryPrompt(t *testing.T) {
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range IDs() {
		c, ok := s.Get(id)
		if !ok {
			t.Errorf("%s: missing", id)
			continue
		}
		maxDur := 6 * time.Second
		switch {
		case id == Help:
			maxDur = 20 * time.Second
		case strings.HasPrefix(id, "digits_") || id == Hundred:
			maxDur = 1500 * time.Millisecond
		}
		d := c.Duration()
		r, p := rms(c.Samples), peak(c.Samples)
		t.Logf("%-18s %5d ms  rms %.3f  peak %.3f", id, d.Milliseconds(), r, p)
		if c.ID != id || c.Rate != 16000 {
			t.Errorf("%s: ID %q, %d Hz; want %q at 16000 Hz", id, c.ID, c.Rate, id)
		}
		if d < 200*time.Millisecond || d > maxDur {
			t.Errorf("%s: lasts %v, want 200ms to %v", id, d, maxDur)
		}
		// Speech normalised to -3 dBFS peak (0.708) has an RMS well over
		// 0.03; silence or noise would not.
		if r < 0.03 {
			t.Errorf("%s: RMS %.4f of full scale, want speech over 0.03", id, r)
		}
		if p < 0.5 || p > 0.75 {
			t.Errorf("%s: peak %.3f of full scale, want about 0.708 (-3 dBFS)", id, p)
		}
	}
	if _, ok := s.Get("no_such_prompt"); ok {
		t.Error("Get of an unknown ID reports a clip")
	}
}

// TestEmbeddedFilesMatchIDs checks that scripts/make-prompts.sh and IDs
// agree: every ID has a file and every file has an ID.
func TestEmbeddedFilesMatchIDs(t *testing.T) {
	entries, err := fs.ReadDir(embedded, "en")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	var total int64
	for _, e := range entries {
		files = append(files, strings.TrimSuffix(e.Name(), ".wav"))
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		total += fi.Size()
	}
	ids := IDs()
	slices.Sort(ids)
	slices.Sort(files)
	if !slices.Equal(ids, files) {
		t.Errorf("prompts/en holds %v\nIDs are %v", files, ids)
	}
	if len(ids) != 54 {
		t.Errorf("%d IDs, want 54", len(ids))
	}
	const limit = 5 << 19 // 2.5 MiB
	t.Logf("embedded prompts: %d bytes", total)
	if total > limit {
		t.Errorf("embedded prompts take %d bytes, more than %d", total, limit)
	}
}

// tone returns n samples of a 440 Hz sine at rate Hz and half scale.
func tone(rate, n int) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(16384 * math.Sin(2*math.Pi*440*float64(i)/float64(rate)))
	}
	return s
}

func writeFile(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadReplacesOnlyTheGivenFile(t *testing.T) {
	def, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	own := tone(8000, 4000)
	writeFile(t, filepath.Join(dir, "goodbye.wav"), encodeWAV(8000, own))
	// Not prompts: ignored.
	writeFile(t, filepath.Join(dir, "README.txt"), []byte("my prompts"))
	writeFile(t, filepath.Join(dir, "no_such_prompt.wav"), []byte("not even a WAV"))

	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range IDs() {
		got, _ := s.Get(id)
		want, _ := def.Get(id)
		if id == Goodbye {
			want = Clip{ID: Goodbye, Rate: 8000, Samples: own}
		}
		if got.ID != want.ID || got.Rate != want.Rate || !slices.Equal(got.Samples, want.Samples) {
			t.Errorf("%s: got %s at %d Hz, %d samples; want %s at %d Hz, %d samples",
				id, got.ID, got.Rate, len(got.Samples), want.ID, want.Rate, len(want.Samples))
		}
	}
}

func TestLoadEmptyDirIsDefault(t *testing.T) {
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := s.Get(Help); !ok || c.Rate != 16000 {
		t.Errorf("Load(\"\") lacks the embedded help prompt")
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup func(dir string) string // returns the dir to load
		want  error                   // wrapped, or nil to check only the text
		text  string                  // in the message
	}{
		{"stereo", func(dir string) string {
			writeFile(t, filepath.Join(dir, "muted.wav"), riff(fmtChunk(tagPCM, 2, 16000, 16), pcm(tone(16000, 64))))
			return dir
		}, ErrUnsupportedFormat, "muted.wav: unsupported WAV format: 2 channels"},
		{"44.1 kHz", func(dir string) string {
			writeFile(t, filepath.Join(dir, "help.wav"), encodeWAV(44100, tone(44100, 441)))
			return dir
		}, ErrUnsupportedFormat, "help.wav: unsupported WAV format: 44100 Hz"},
		{"truncated", func(dir string) string {
			b := encodeWAV(16000, tone(16000, 1600))
			writeFile(t, filepath.Join(dir, "digits_7.wav"), b[:len(b)/2])
			return dir
		}, ErrMalformed, "digits_7.wav: malformed WAV file: truncated"},
		{"not a WAV", func(dir string) string {
			writeFile(t, filepath.Join(dir, "hundred.wav"), []byte("ID3\x03\x00 an MP3, say"))
			return dir
		}, ErrMalformed, "hundred.wav: malformed WAV file"},
		{"unreadable", func(dir string) string {
			if err := os.Mkdir(filepath.Join(dir, "goodbye.wav"), 0o755); err != nil {
				t.Fatal(err)
			}
			return dir
		}, nil, "goodbye.wav"},
		{"missing dir", func(dir string) string { return filepath.Join(dir, "nope") }, fs.ErrNotExist, "nope"},
		{"file, not dir", func(dir string) string {
			name := filepath.Join(dir, "prompts.yaml")
			writeFile(t, name, nil)
			return name
		}, nil, "prompts.yaml is not a directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Load(tc.setup(t.TempDir()))
			if err == nil {
				t.Fatal("no error")
			}
			if s != nil {
				t.Error("a Set as well as an error")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want it to wrap %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.text) || !strings.HasPrefix(err.Error(), "prompts: ") {
				t.Errorf("err = %q, want it to say %q", err, tc.text)
			}
		})
	}
}

// ids returns the IDs of clips.
func ids(clips []Clip) []string {
	out := make([]string, len(clips))
	for i, c := range clips {
		out[i] = c.ID
	}
	return out
}

func TestNumber(t *testing.T) {
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		n    int
		want string
	}{
		{-1, ""},
		{0, "digits_0"},
		{7, "digits_7"},
		{13, "digits_13"},
		{20, "digits_20"},
		{21, "digits_20 digits_1"},
		{23, "digits_20 digits_3"},
		{40, "digits_40"},
		{99, "digits_90 digits_9"},
		{100, "digits_1 hundred"},
		{101, "digits_1 hundred digits_1"},
		{115, "digits_1 hundred digits_15"},
		{120, "digits_1 hundred digits_20"},
		{342, "digits_3 hundred digits_40 digits_2"},
		{999, "digits_9 hundred digits_90 digits_9"},
		{1000, "digits_1 digits_0 digits_0 digits_0"},
		{2048, "digits_2 digits_0 digits_4 digits_8"},
	}
	for _, tc := range tests {
		got := strings.Join(ids(s.Number(tc.n)), " ")
		if got != tc.want {
			t.Errorf("Number(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
	// Every number up to 999 is said with clips that exist.
	for n := range 1000 {
		for _, c := range s.Number(n) {
			if len(c.Samples) == 0 {
				t.Fatalf("Number(%d) has an empty clip", n)
			}
		}
	}
}

func TestCount(t *testing.T) {
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		n    int
		want string
	}{
		{0, "first_participant"},
		{1, "one_other"},
		{2, "participants_are digits_2 participants"},
		{5, "participants_are digits_5 participants"},
		{23, "participants_are digits_20 digits_3 participants"},
		{100, "participants_are digits_1 hundred participants"},
	}
	for _, tc := range tests {
		clips := s.Count(tc.n)
		if got := strings.Join(ids(clips), " "); got != tc.want {
			t.Errorf("Count(%d) = %q, want %q", tc.n, got, tc.want)
		}
		for _, c := range clips {
			if len(c.Samples) == 0 || c.Rate != 16000 {
				t.Errorf("Count(%d): clip %s has %d samples at %d Hz", tc.n, c.ID, len(c.Samples), c.Rate)
			}
		}
	}
}
