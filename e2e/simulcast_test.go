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
// (some 850 kbit/s), so Bob's first frames must be narrower than 1280 px;
// then his estimate moves (on loopback it grows to the top layer in some
// 15 s on a quiet machine; on a busy 2-vCPU runner, where both browsers
// encode and decode, GCC has been seen to cut it again as his packets'
// delay grew), and Bob's page must decode at least one other width, and
// still be decoding 2 s later. Every choice parley logs for Bob's forward
// of Ada's track must be video.Choose's for the layers' rates and Bob's
// estimate logged with it (the start, and each switch from the layer
// sent, made at its keyframe). A forward that always sent the top layer,
// never switched, or switched against its estimate fails.
func TestSimulcast(t *testing.T) {
	srv := startParley(t, browserConfig)
	wav := toneFile(t, "browser.wav", 48000, 1000, toneAmplitude, 60)
	link := createLink(t, srv, "1000")

	ada := joinIn(t, cameraBrowser(t, wav, 1280, 720), srv, link, "Ada Lovelace", "")
	bob := joinIn(t, cameraBrowser(t, wav, 320, 240), srv, link, "Bob Kahn", "")

	first := bob.waitDecoding(t, []string{ada.id}, 10*time.Second)[ada.id]
	if first.FrameWidth >= 1280 {
		t.Errorf("Bob's first frames of Ada are %d px wide: the top layer, though his estimate starts below its rate", first.FrameWidth)
	}
	// Watch what Bob decodes as his estimate moves: up to the top layer on
	// a quiet machine (some 15 s), or up and down on a busy one. Bob must
	// see at least one change of layer; the log checks below say why each
	// was made.
	start := time.Now()
	widths := []int{first.FrameWidth}
	for time.Since(start) < 40*time.Second {
		if widths[len(widths)-1] == 1280 || (len(widths) >= 3 && time.Since(start) > 20*time.Second) {
			break
		}
		time.Sleep(250 * time.Millisecond)
		if w := bob.inbound(t)[ada.id].FrameWidth; w != widths[len(widths)-1] {
			widths = append(widths, w)
		}
	}
	t.Logf("Bob decodes Ada's video %v px wide, over %v", widths, time.Since(start).Round(100*time.Millisecond))
	if len(widths) < 2 {
		srv.dumpLogs(t)
		t.Fatalf("Bob's video of Ada never changed layer in 40 s: %v px", widths)
	}
	before := bob.inbound(t)[ada.id].FramesDecoded
	time.Sleep(2 * time.Second)
	if after := bob.inbound(t)[ada.id]; after.FramesDecoded <= before {
		t.Errorf("Bob's video of Ada stopped: %d frames, then %+v", before, after)
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
	if len(switches) == 0 {
		t.Errorf("Bob's forward never switched layer")
	}
	t.Logf("Bob's forward made %d switches; reached the top layer: %v", len(switches), top)
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
