package main

import (
	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/config"
)

// routerFromConfig builds the dial-out router from the extensions and
// trunks of cfg, for `parley route` and for the bridge `parley serve` runs.
// The Router shares cfg's compiled patterns, which nothing modifies.
func routerFromConfig(cfg *config.Config) *bridge.Router {
	r := &bridge.Router{Extensions: make(map[string]string, len(cfg.Extensions))}
	for _, e := range cfg.Extensions {
		r.Extensions[e.Number] = e.Name
	}
	for _, t := range cfg.Trunks {
		r.Trunks = append(r.Trunks, bridge.TrunkRoute{
			Name: t.Name, Proxy: t.Proxy, CallerID: t.CallerID, Allow: t.Allow,
		})
	}
	return r
}
