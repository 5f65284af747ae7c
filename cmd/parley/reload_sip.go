package main

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/parleyhq/parley/config"
)

// relistenSIP makes the SIP server listen on next's sip.listen where it
// changed (sip.Server.SetListen: a kept URL keeps its socket and its
// calls, a new one is bound and served, a removed one is closed) and
// takes it off d's Restart list: the change goes to d.Rebound as
// "sip.listen" and the addresses now bound. When a new URL cannot be
// bound nothing changes, and Restart says why and where SIP still
// listens. running's sip.listen becomes what now serves. A change of the
// RTP address that rtp.listen_ip's default derives from sip.listen is
// reported as needing a restart: RTP stays where it was bound.
func (a *app) relistenSIP(running, next *config.Config, d *reloadDiff) {
	const restartLine = "sip.listen changed: restart needed"
	i := slices.Index(d.Restart, restartLine)
	if i < 0 || a.sip == nil {
		return
	}
	if err := a.sip.SetListen(next.SIP.Listen); err != nil {
		d.Restart[i] = fmt.Sprintf("sip.listen changed: %v; still on %s", err, strings.Join(a.sip.Addrs(), " "))
		return
	}
	was := running.SIP.Listen
	rtpWas := running.RTPListenIP()
	running.SIP.Listen = slices.Clone(next.SIP.Listen)
	d.Restart = slices.Delete(d.Restart, i, i+1)
	addrs := strings.Join(a.sip.Addrs(), " ")
	d.Rebound = append(d.Rebound, "sip.listen "+addrs)
	a.log.Info("sip listeners changed", "setting", "sip.listen", "addrs", addrs, "was", strings.Join(was, " "))
	if rtp := running.RTPListenIP(); rtp != rtpWas {
		d.Restart = append(d.Restart, fmt.Sprintf("rtp.listen_ip (from sip.listen) changed to %s: restart needed; RTP stays on %s",
			ipOrAny(rtp), ipOrAny(rtpWas)))
	}
}

// ipOrAny writes ip, or "every address" for the zero Addr.
func ipOrAny(ip netip.Addr) string {
	if !ip.IsValid() {
		return "every address"
	}
	return ip.String()
}
