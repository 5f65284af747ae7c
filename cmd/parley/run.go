package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/parleyhq/parley/config"
)

const usage = `usage:
  parley serve [--config FILE]   run the bridge (the embedded default config without --config)
  parley check-config FILE       check a config file; errors are printed as FILE:LINE: message
  parley route TARGET [--room R] [--caller-id N] [--config FILE] [--json]
                                 how a dial to TARGET would go, from the config, without
                                 calling; exit 1 if it would be refused
  parley dial ROOM TARGET [--role R] [--caller-id N] [--ring-timeout D] [--wait]
                                 call TARGET into ROOM; with --wait, wait for the answer
                                 and exit 1 unless answered
  parley participants ROOM       who is in ROOM, and calls out ringing or failed
  parley rooms list|show NUMBER|delete NUMBER
  parley rooms create NUMBER [--name N] [--pin P] [--moderator-pin M] [--quota Q]
                             [--capacity C] [--guest-wait D] [--owner EXT] [--members EXT,…]
                                 manage rooms (create and delete need an admin token)
  parley mute|unmute|kick ROOM ID
  parley role ROOM ID ROLE       moderate a participant; role no_access removes them
  parley token ROOM --role moderator|attendee [--label L] [--expires-in D]
                                 mint a room token; its secret is printed only once
  parley schedule ROOM --start T --end T [--tz ZONE] --call TARGET[:ROLE] ...
                                 schedule a conference: at T everyone listed is called
                                 out with their role (T: RFC 3339, "2026-03-02 09:00" in
                                 --tz, or +10m from now; --end +1h is an hour after start)
  parley schedules ROOM          ROOM's scheduled conferences
  parley link ROOM --kind guest|group --name N [--email E] [--role R] [--send-email] ...
                                 make a guest or group link and print its URL
  parley links ROOM              ROOM's links and their state
  parley import-guests ROOM FILE.csv [--send-email]
                                 one guest link per row (name,email,role,language), all or none
  parley attendees ROOM          the attendee list as CSV, invited-but-not-joined included
  parley join-info ROOM [--link ID] [--lang L]
                                 the text to paste into a message
  parley contacts [--q TEXT] [--owner EXT] | add NAME TARGET | delete ID
                                 the address book (admin token)
  parley reload                  the server re-reads its config file (admin token; the
                                 same as kill -HUP): prints what changed, or the file's
                                 problems as FILE:LINE: message and exit 1

these commands use the REST API: --api URL (default $PARLEY_API or
http://127.0.0.1:8080), --token TOKEN (default $PARLEY_TOKEN; an admin or room
token), --json for scripts.
`

// run carries out one command line and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serveCmd(args[1:], stderr)
	case "check-config":
		return checkConfigCmd(args[1:], stdout, stderr)
	case "route":
		return routeCmd(args[1:], stdout, stderr)
	case "dial":
		return dialCmd(args[1:], stdout, stderr)
	case "participants":
		return participantsCmd(args[1:], stdout, stderr)
	case "rooms":
		return roomsCmd(args[1:], stdout, stderr)
	case "mute", "unmute", "kick", "role":
		return moderateCmd(args[0], args[1:], stdout, stderr)
	case "token":
		return tokenCmd(args[1:], stdout, stderr)
	case "schedule":
		return scheduleCmd(args[1:], stdout, stderr)
	case "schedules":
		return schedulesCmd(args[1:], stdout, stderr)
	case "link":
		return linkCmd(args[1:], stdout, stderr)
	case "links":
		return linksCmd(args[1:], stdout, stderr)
	case "import-guests":
		return importGuestsCmd(args[1:], stdout, stderr)
	case "attendees":
		return attendeesCmd(args[1:], stdout, stderr)
	case "join-info":
		return joinInfoCmd(args[1:], stdout, stderr)
	case "contacts":
		return contactsCmd(args[1:], stdout, stderr)
	case "reload":
		return reloadCmd(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "parley: unknown command %q\n%s", args[0], usage)
	return 2
}

func serveCmd(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "config `FILE` (default: the embedded default config)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg := config.Default()
	if *path != "" {
		var err error
		if cfg, err = config.Load(*path); err != nil {
			printConfigError(stderr, err)
			return 1
		}
	}
	stop := make(chan os.Signal, 1)
	// SIGHUP reloads the config file (and must not kill the process, its
	// default action).
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(stop)
	if err := serve(cfg, stderr, stop); err != nil {
		fmt.Fprintf(stderr, "parley: %v\n", err)
		return 1
	}
	return 0
}

func checkConfigCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprint(stderr, "usage: parley check-config FILE\n")
		return 2
	}
	if _, err := config.Load(args[0]); err != nil {
		printConfigError(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: ok\n", args[0])
	return 0
}

// printConfigError prints one FILE:LINE: message line per problem.
func printConfigError(w io.Writer, err error) {
	var errs config.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			fmt.Fprintln(w, e.Error())
		}
		return
	}
	fmt.Fprintln(w, err)
}
