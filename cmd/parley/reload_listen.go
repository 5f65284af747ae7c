package main

import (
	"fmt"
	"net"
	"slices"

	"github.com/parleyhq/parley/config"
)

// rebindListeners moves http.listen and metrics.listen to next's
// addresses where they changed, without stopping their servers (the
// connections they hold go on: swapListener), and takes them off d's
// Restart list: a moved one goes to d.Rebound, one that cannot bind is
// reported in Restart with the reason and keeps its address. It returns
// running with the addresses that now serve. metrics.listen set or unset
// (moving /metrics between servers) still needs a restart, and so do
// http.listen while http.redirect_listen redirects to its port
// (sip.listen: relistenSIP).
func (a *app) rebindListeners(running, next *config.Config, d *reloadDiff) {
	type move struct {
		key      string
		ln       *swapListener
		from, to *string
	}
	var moves []move
	if running.HTTP.RedirectListen == "" { // the redirect names http.listen's port, taken at start
		moves = append(moves, move{"http.listen", a.httpLn, &running.HTTP.Listen, &next.HTTP.Listen})
	}
	if a.metrics != nil && next.Metrics.Listen != "" {
		moves = append(moves, move{"metrics.listen", a.metrics, &running.Metrics.Listen, &next.Metrics.Listen})
	}
	for _, m := range moves {
		if *m.from == *m.to || m.ln == nil {
			continue
		}
		restartLine := m.key + " changed: restart needed"
		i := slices.Index(d.Restart, restartLine)
		if i < 0 {
			continue
		}
		ln, err := net.Listen("tcp", *m.to)
		if err == nil {
			err = m.ln.Swap(ln)
		}
		if err != nil {
			d.Restart[i] = fmt.Sprintf("%s changed: cannot bind %s (%v); still on %s", m.key, *m.to, err, m.ln.Addr())
			continue
		}
		d.Restart = slices.Delete(d.Restart, i, i+1)
		d.Rebound = append(d.Rebound, m.key+" "+m.ln.Addr().String())
		a.log.Info("listening", "setting", m.key, "addr", m.ln.Addr().String(), "was", *m.from)
		*m.from = *m.to
	}
}
