package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"

	"github.com/parleyhq/parley/api"
	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/config"
	"github.com/parleyhq/parley/dialplan"
)

// routeCmd is `parley route TARGET [--room R] [--caller-id N] [--config
// FILE | --api URL]`: how a dial to TARGET would go, with the router's
// reasons. With --api or $PARLEY_API (and no --config) it asks the running
// server, which routes from a room, so --room is needed; otherwise it
// decides offline from the config file (--config, else the default file,
// else the embedded default). It exits 1 when the dial would be refused,
// 2 on bad usage.
func routeCmd(fs *flag.FlagSet) action {
	path := fs.String("config", "", "decide offline from config `FILE` (default: "+defaultConfigPath+" if it exists, else the embedded default config)")
	roomNumber := fs.String("room", "", "`ROOM` whose caller ID applies (default: none; needed with --api)")
	callerID := fs.String("caller-id", "", "caller `NUMBER` a dial request would ask for")
	af := addAPIFlags(fs)
	return func(pos []string, stdout, stderr io.Writer) int {
		if len(pos) != 1 {
			return exitUsage
		}
		given := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
		if given["api"] && given["config"] {
			fmt.Fprint(stderr, "parley: --api asks the running server, --config decides offline: give one\n")
			return exitUsage
		}
		var resp api.RouteResponse
		if given["api"] || (os.Getenv("PARLEY_API") != "" && !given["config"]) {
			if *roomNumber == "" {
				fmt.Fprintf(stderr, "parley: the server routes a dial from a room: give --room ROOM (or --config FILE to decide offline, without %s)\n", af.url)
				return exitUsage
			}
			q := url.Values{"to": {pos[0]}}
			if *callerID != "" {
				q.Set("caller_id", *callerID)
			}
			if err := af.client().do("GET", "/rooms/"+url.PathEscape(*roomNumber)+"/route?"+q.Encode(), nil, &resp); err != nil {
				printAPIError(stderr, err)
				return 1
			}
		} else {
			var code int
			if resp, code = routeOffline(configPath(*path, defaultConfigPath), *roomNumber, pos[0], *callerID, stderr); code != 0 {
				return code
			}
		}
		printRoute(stdout, resp, af.json)
		if !resp.Allowed {
			return 1
		}
		return 0
	}
}

// routeOffline decides how a dial to to would go from the config at path
// (the embedded default when ""), as the server would with that config. A
// non-zero code says it could not be decided; the reason is on stderr.
func routeOffline(path, roomNumber, to, callerID string, stderr io.Writer) (api.RouteResponse, int) {
	cfg := config.Default()
	if path != "" {
		// Routing needs no secrets: a ${VAR} not set here is left as
		// written rather than refused, so the admin's shell need not hold
		// the trunk passwords.
		keep := func(name string) (string, bool) {
			if v, ok := os.LookupEnv(name); ok {
				return v, true
			}
			return "${" + name + "}", true
		}
		var err error
		if cfg, err = config.Load(path, config.WithLookupEnv(keep)); err != nil {
			printConfigError(stderr, err)
			return api.RouteResponse{}, 1
		}
	}
	roomCallerID := ""
	if roomNumber != "" {
		found := false
		for _, r := range cfg.Rooms {
			if r.Number == roomNumber {
				roomCallerID, found = r.CallerID, true
				break
			}
		}
		if !found {
			fmt.Fprintf(stderr, "parley: %v %q in the config\n", bridge.ErrUnknownRoom, roomNumber)
			return api.RouteResponse{}, 1
		}
	}
	target, err := dialplan.ParseTarget(to)
	if err != nil {
		fmt.Fprintf(stderr, "parley: %v\n", err)
		return api.RouteResponse{}, 1
	}
	router, err := routerFromConfig(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "parley: %v\n", err)
		return api.RouteResponse{}, 1
	}
	rt, err := router.Route(context.Background(), target, callerID, roomCallerID)
	resp := api.RouteResponse{
		Allowed: err == nil, Target: target.String(), Kind: target.Kind.String(),
		Route:   api.RouteInfo{Via: rt.Via, Trunk: rt.Trunk, Destination: rt.Destination, CallerID: rt.CallerID},
		Explain: rt.Explain,
	}
	if resp.Explain == nil {
		resp.Explain = []string{}
	}
	if err != nil {
		resp.Error = err.Error()
	}
	return resp, 0
}

// printRoute prints a routing decision: JSON for scripts, or the target,
// the reasons and the outcome for people.
func printRoute(w io.Writer, resp api.RouteResponse, asJSON bool) {
	if asJSON {
		writeJSON(w, resp)
		return
	}
	fmt.Fprintf(w, "%s (%s)\n", resp.Target, resp.Kind)
	for _, line := range resp.Explain {
		fmt.Fprintf(w, "  %s\n", line)
	}
	if !resp.Allowed {
		fmt.Fprintf(w, "refused: %s\n", resp.Error)
		return
	}
	fmt.Fprintf(w, "route: %s\n", describeRoute(resp.Route))
}
