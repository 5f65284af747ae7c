package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/parleyhq/parley/api"
	"github.com/parleyhq/parley/config"
	"github.com/parleyhq/parley/trace"
)

// newTrace makes the SIP message trace switch of cfg.SIP.Trace: off until
// an admin starts a trace; it opens the trace file and the HEP socket.
func newTrace(cfg config.Trace, log *slog.Logger) (*trace.Switch, error) {
	sw, err := trace.New(trace.Options{Logger: log, File: cfg.File, HEP: trace.HEPOptions{
		Address: cfg.HEP.Address, AgentID: uint32(cfg.HEP.AgentID), AuthKey: cfg.HEP.Password.Reveal()}})
	if err != nil {
		return nil, fmt.Errorf("sip.trace: %w", err)
	}
	return sw, nil
}

// traceCmd defines the flags of `parley trace`, the SIP message trace
// switch (admin token), and returns what runs it: exit 2 for a bad
// command line.
func traceCmd(fs *flag.FlagSet) action {
	af := addAPIFlags(fs)
	source := fs.String("source", "", "trace the messages from and to this `IP` address or CIDR prefix")
	callID := fs.String("call-id", "", "trace the messages of the call with this Call-ID")
	life := fs.Duration("for", trace.DefaultTTL, "how long the trace lasts, at most 1h")
	follow := fs.Bool("follow", false, "print the traced messages as they come, until Ctrl-C")
	return func(pos []string, stdout, stderr io.Writer) int {
		c := af.client()
		verb := ""
		if len(pos) > 0 {
			verb = pos[0]
		}
		switch {
		case verb == "on" && len(pos) == 1:
			return traceOn(c, af.json, *follow, api.TraceRequest{Source: *source, CallID: *callID,
				ExpiresIn: int64(life.Round(time.Second) / time.Second)}, stdout, stderr)
		case verb == "off" && len(pos) <= 2:
			return traceOff(c, pos[1:], stdout, stderr)
		case verb == "list" && len(pos) == 1:
			return traceList(c, af.json, stdout, stderr)
		case verb == "" && *follow:
			return traceFollow(c, nil, stdout, stderr)
		}
		return exitUsage
	}
}

func traceOn(c *client, asJSON, follow bool, req api.TraceRequest, stdout, stderr io.Writer) int {
	if req.Source == "" && req.CallID == "" {
		fmt.Fprintln(stderr, "parley: trace on needs --source or --call-id")
		return exitUsage
	}
	var out api.Trace
	if err := c.do("POST", "/trace", req, &out); err != nil {
		printAPIError(stderr, err)
		return 1
	}
	if asJSON {
		writeJSON(stdout, out)
	} else {
		fmt.Fprintf(stdout, "trace %s on: %s until %s\n", out.ID, traceWhat(out), out.ExpiresAt.Local().Format(time.DateTime))
	}
	if !follow {
		return 0
	}
	return traceFollow(c, func() {
		if err := c.do("DELETE", "/trace/rules/"+url.PathEscape(out.ID), nil, nil); err != nil {
			printAPIError(stderr, err)
			return
		}
		fmt.Fprintf(stderr, "trace %s off\n", out.ID)
	}, stdout, stderr)
}

func traceWhat(t api.Trace) string {
	if t.CallID != "" {
		return "call-id " + t.CallID
	}
	return "source " + t.Source
}

func traceOff(c *client, ids []string, stdout, stderr io.Writer) int {
	if len(ids) == 1 {
		if err := c.do("DELETE", "/trace/rules/"+url.PathEscape(ids[0]), nil, nil); err != nil {
			printAPIError(stderr, err)
			return 1
		}
		fmt.Fprintf(stdout, "trace %s off\n", ids[0])
		return 0
	}
	var out api.TracesStopped
	if err := c.do("DELETE", "/trace", nil, &out); err != nil {
		printAPIError(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "%d traces off\n", out.Stopped)
	return 0
}

func traceList(c *client, asJSON bool, stdout, stderr io.Writer) int {
	var list []api.Trace
	if err := c.do("GET", "/trace", nil, &list); err != nil {
		printAPIError(stderr, err)
		return 1
	}
	if asJSON {
		writeJSON(stdout, list)
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTRACES\tUNTIL")
	for _, t := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", t.ID, traceWhat(t), t.ExpiresAt.Local().Format(time.DateTime))
	}
	_ = tw.Flush()
	return 0
}

// traceFollow copies the trace stream to stdout until Ctrl-C (or SIGTERM)
// or the server ends it, then runs atEnd if not nil.
func traceFollow(c *client, atEnd func(), stdout, stderr io.Writer) int {
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	err := c.stream(ctx, "/trace/stream", stdout)
	if atEnd != nil {
		atEnd()
	}
	if err != nil && ctx.Err() == nil {
		printAPIError(stderr, err)
		return 1
	}
	return 0
}

// stream GETs path and copies the body to w as it comes, until ctx ends
// or the server closes it. A status other than 200 is an *api.Error.
func (c *client) stream(ctx context.Context, path string, w io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+path, nil)
	if err != nil {
		return err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := (&http.Client{}).Do(req) // no timeout: the stream lasts
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return &api.Error{Status: resp.StatusCode, Message: strings.TrimSpace(string(data))}
	}
	if _, err := io.Copy(w, resp.Body); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
