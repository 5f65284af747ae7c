package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/parleyhq/parley/api"
	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/config"
	"github.com/parleyhq/parley/dialplan"
)

// routeCmd runs `parley route TARGET [--room R] [--caller-id N] [--config
// FILE]`: how a dial to TARGET would go, decided from the config's
// extensions, trunks and dialout.direct_allow, with the router's reasons
// (names are resolved here, and the lines say to what). It exits 1 when the
// dial would be refused.
func routeCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("route", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "config `FILE` (default: the embedded default config)")
	roomNumber := fs.String("room", "", "`ROOM` whose caller ID applies (default: none)")
	callerID := fs.String("caller-id", "", "caller `NUMBER` a dial request would ask for")
	asJSON := fs.Bool("json", false, "print JSON for scripts instead of text for people")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fmt.Fprint(stderr, "usage: parley route TARGET [--room R] [--caller-id N] [--config FILE] [--json]\n")
		return 2
	}
	cfg := config.Default()
	if *path != "" {
		// Routing needs no secrets: a ${VAR} not set here is left as
		// written rather than refused, so the admin's shell need not hold
		// the trunk passwords.
		keep := func(name string) (string, bool) {
			if v, ok := os.LookupEnv(name); ok {
				return v, true
			}
			return "${" + name + "}", true
		}
		if cfg, err = config.Load(*path, config.WithLookupEnv(keep)); err != nil {
			printConfigError(stderr, err)
			return 1
		}
	}
	roomCallerID := ""
	if *roomNumber != "" {
		found := false
		for _, r := range cfg.Rooms {
			if r.Number == *roomNumber {
				roomCallerID, found = r.CallerID, true
				break
			}
		}
		if !found {
			fmt.Fprintf(stderr, "parley: %v %q in the config\n", bridge.ErrUnknownRoom, *roomNumber)
			return 1
		}
	}
	target, err := dialplan.ParseTarget(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "parley: %v\n", err)
		return 1
	}
	router, err := routerFromConfig(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "parley: %v\n", err)
		return 1
	}
	rt, err := router.Route(context.Background(), target, *callerID, roomCallerID)
	if *asJSON {
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
		writeJSON(stdout, resp)
	} else {
		fmt.Fprintf(stdout, "%s (%s)\n", target, target.Kind)
		for _, line := range rt.Explain {
			fmt.Fprintf(stdout, "  %s\n", line)
		}
		if err != nil {
			fmt.Fprintf(stdout, "refused: %v\n", err)
		} else {
			fmt.Fprintf(stdout, "route: %s\n", describeRoute(api.RouteInfo{Via: rt.Via, Trunk: rt.Trunk, Destination: rt.Destination, CallerID: rt.CallerID}))
		}
	}
	if err != nil {
		return 1
	}
	return 0
}
