package e2e

import (
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley/video"
)

// TestSimulcast checks simulcast with real browsers. Ada's fake camera is
// 1280×720, so her page sends three layers (q 320×180, h 640×360, f
// 1280×720): parley must log the three RIDs published and each layer
// arriving. Bob's page receives her video in the layer his own bandwidth
// estimate allows. GCC starts at 300 kbit/s, below the top layer's rate
// (some 850 kbit/s), and grows on loopback, so Bob's page must decode
// narrower frames first and 1280 px wide ones within 30 s, and still be
// decoding 2 s later. Every choice parley logs for Bob's forward of Ada's
// track must be video.Choose's for the layers' rates and Bob's estimate
// logged with it (the start, and each switch from the layer sent, made at
// its keyframe); the forward must reach the top layer, in at most six
// switches (no flapping). It may leave it again, as it should when the
// estimate falls: on this 2-vCPU machine, where both browsers encode and
// decode, GCC has been seen to cut Bob's estimate soon after the climb
// (the delay of his packets grew), though loopback has room for all.
func TestSimulcast(t *testing.T) {
	srv := startParley(t, browserConfig)
	wav := toneFile(t, "browser.wav", 48000, 1000, toneAmplitude, 60)
	link := createLink(t, srv, "1000")

	ada := joinIn(t, cameraBrowser(t, wav, 1280, 720), srv, link, "Ada Lovelace", "")
	bob := joinIn(t, cameraBrowser(t, wav, 320, 240), srv, link, "Bob Kahn", "")

	first := bob.waitDecoding(t, []string{ada.id}, 10*time.Second)[ada.id]
	start := time.Now()
	widths := []int{first.FrameWidth}
	for !slices.ContainsFunc(widths, func(w int) bool { return w < 1280 }) || widths[len(widths)-1] != 1280 {
		if time.Since(start) > 30*time.Second {
			srv.dumpLogs(t)
			t.Fatalf("Bob does not decode Ada's video at 1280 px, after narrower frames, within 30 s: widths %v", widths)
		}
		time.Sleep(250 * time.Millisecond)
		if w := bob.inbound(t)[ada.id].FrameWidth; w != widths[len(widths)-1] {
			widths = append(widths, w)
		}
	}
	t.Logf("Bob decodes Ada's video %v px wide, 1280 px %v after the first frame", widths,
		time.Since(start).Round(100*time.Millisecond))
	before := bob.inbound(t)[ada.id].FramesDecoded
	time.Sleep(2 * time.Second)
	if after := bob.inbound(t)[ada.id]; after.FramesDecoded <= before {
		t.Errorf("Bob's video of Ada after the climb: %d frames, then %+v", before, after)
	}

	// Ada publishes three layers, and all three arrive.
	var call any
	for _, r := range srv.logged("guest publishes video") {
		if r["participant"] == ada.id {
			call = r["call"]
			if rids := jsonStrings(r["rids"]); !slices.Equal(rids, []string{"q", "h", "f"}) {
				t.Errorf("Ada publishes RIDs %v, want [q h f]", rids)
			}
		}
	}
	var arrived []string
	for _, r := range srv.logged("guest sends a video layer") {
		if r["call"] == call {
			arrived = append(arrived, r["rid"].(string))
		}
	}
	if slices.Sort(arrived); !slices.Equal(arrived, []string{"f", "h", "q"}) {
		t.Errorf("Ada's layers that arrived: %v, want f, h and q", arrived)
	}

	// Bob's forward of Ada's track follows his estimate.
	mine := func(msg string) []map[string]any {
		var out []map[string]any
		for _, r := range srv.logged(msg) {
			if r["publisher"] == ada.id && r["participant"] == bob.id {
				out = append(out, r)
			}
		}
		return out
	}
	starts, switches := mine("forwarded video starts"), mine("forwarded video switches layer")
	if len(starts) != 1 {
		t.Fatalf("Bob's forward of Ada's video started %d times: %v", len(starts), starts)
	}
	layer, top := -1, false
	for _, r := range append(starts, switches...) {
		to, rates, estimate := int(r["layer"].(float64)), jsonRates(r["rates"]), uint64(r["estimate"].(float64))
		from := -1
		if f, ok := r["from"].(float64); ok {
			from = int(f)
		}
		t.Logf("layer %d → %d (keyframe after %v): estimate %d bit/s, rates %v", from, to, r["waited"], estimate, rates)
		if from != layer {
			t.Errorf("a switch from layer %d while layer %d was sent", from, layer)
		}
		if want := video.Choose(rates, estimate, from); to != want {
			t.Errorf("layer %d → %d, but Choose gives %d for this estimate and these rates", from, to, want)
		}
		layer, top = to, top || to == 2
	}
	if !top || len(switches) > 6 {
		t.Errorf("Bob's forward made %d switches, reaching the top layer: %v; want it reached, in at most 6", len(switches), top)
	}
}

// jsonStrings converts a JSON array of strings.
func jsonStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// jsonRates converts a JSON array of bit rates.
func jsonRates(v any) []uint64 {
	var out []uint64
	for _, x := range v.([]any) {
		f, _ := x.(float64)
		out = append(out, uint64(f))
	}
	return out
}
