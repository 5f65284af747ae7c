package main

import "flag"

// command is one row of the command table. run dispatches on it, `parley
// help` and every command's --help print it, `parley completion bash`
// completes from it, and a test holds main.go's doc comment to it.
type command struct {
	// name is what follows "parley".
	name string
	// args are the positional arguments for the synopsis, "ROOM TARGET";
	// one line per form ("list\nshow NUMBER"). Lower-case first words
	// are subcommands, which completion offers.
	args string
	// summary says in one line what the command does.
	summary string
	// help says more, in plain lines; may be empty.
	help string
	// examples are command lines as typed; at least one.
	examples []string
	// setup defines the command's flags on fs (and does nothing else) and
	// returns what runs the command once they are parsed. run calls it for
	// every command line; help and completion call it to list the flags.
	setup func(fs *flag.FlagSet) action
}

// apiHelp is the help of the commands that talk to the REST API.
const apiHelp = "It asks a running Parley's REST API (--api), with an admin token or a room token (--token)."

// commands returns the command table, in the order `parley help` lists
// it. A new command is one row here; its setup func lives in a file of
// its own.
func commands() []command {
	return []command{
		{name: "serve", args: "[FILE]", summary: "run the bridge",
			help: "FILE (or --config FILE) is the config; without one, " + defaultConfigPath + " if it exists,\n" +
				"else the embedded default config. The first log line says which config was loaded.\n" +
				"SIGHUP re-reads FILE (see parley reload). SIGTERM or SIGINT stops it: every call is hung\n" +
				"up with BYE.",
			examples: []string{"parley serve " + defaultConfigPath, "parley serve --config ./parley.yaml"},
			setup:    serveCmd},
		{name: "check-config", args: "[FILE]", summary: "check a config file; each problem is printed as FILE:LINE: message",
			help:     "Without FILE it checks " + defaultConfigPath + ". Exit 1 when the config has a problem.",
			examples: []string{"parley check-config " + defaultConfigPath},
			setup:    checkConfigCmd},
		{name: "route", args: "TARGET", summary: "how a dial to TARGET would be routed, and why, without calling",
			help: "With --api URL or $PARLEY_API it asks the running server how it would route a dial from\n" +
				"--room (needed then), with --token. Otherwise it decides offline from --config FILE, else\n" +
				defaultConfigPath + " if it exists, else the embedded default config; a ${VAR} that is\n" +
				"not set is left as written, so trunk passwords need not be in the shell. Exit 1 when the\n" +
				"dial would be refused.",
			examples: []string{"parley route +441632960123 --config " + defaultConfigPath,
				"PARLEY_API=http://127.0.0.1:8080 PARLEY_TOKEN=secret parley route 2001 --room 1000"},
			setup: routeCmd},
		{name: "dial", args: "ROOM TARGET", summary: "call TARGET into ROOM; with --wait, wait for the answer",
			help: "TARGET is an extension (2001), a number (+441632960123, through a trunk), #sip:@192.0.2.10\n" +
				"or a contact's name. Exit 1 when refused, or with --wait unless answered.\n" + apiHelp,
			examples: []string{"parley dial 1000 2001 --wait", "parley dial 1000 +441632960123 --role moderator --caller-id +441632960100"},
			setup:    dialCmd},
		{name: "participants", args: "ROOM", summary: "who is in ROOM, and calls out ringing or failed",
			help: apiHelp, examples: []string{"parley participants 1000", "parley participants 1000 --json"},
			setup: participantsCmd},
		{name: "rooms", args: "list\nshow NUMBER\ncreate NUMBER\ndelete NUMBER", summary: "list, show, create and delete rooms",
			help: "create takes the room's settings as flags; create and delete need an admin token.\n" +
				"Rooms of the config file cannot be deleted.\n" + apiHelp,
			examples: []string{"parley rooms list", "parley rooms create 3000 --name Board --pin 4321 --guest-access"},
			setup:    roomsCmd},
		{name: "mute", args: "ROOM ID", summary: "mute a participant (ID from parley participants)",
			help: apiHelp, examples: []string{"parley mute 1000 3"}, setup: moderateCmd("mute")},
		{name: "unmute", args: "ROOM ID", summary: "unmute a participant",
			help: apiHelp, examples: []string{"parley unmute 1000 3"}, setup: moderateCmd("unmute")},
		{name: "kick", args: "ROOM ID", summary: "remove a participant from the room",
			help: apiHelp, examples: []string{"parley kick 1000 3"}, setup: moderateCmd("kick")},
		{name: "role", args: "ROOM ID ROLE", summary: "change a participant's role",
			help:     "ROLE: owner, moderator, presenter, attendee, spectator, or no_access (removes them).\n" + apiHelp,
			examples: []string{"parley role 1000 3 moderator"}, setup: moderateCmd("role")},
		{name: "token", args: "ROOM --role moderator|attendee", summary: "mint a room token; its secret is printed only once",
			help: apiHelp, examples: []string{"parley token 1000 --role moderator --label 'front desk' --expires-in 24h"},
			setup: tokenCmd},
		{name: "schedule", args: "ROOM --start T --end T --call TARGET[:ROLE]...", summary: "schedule a conference that calls everyone listed at its start",
			help: "T is RFC 3339 (2026-03-02T09:00:00+01:00), a local time in --tz (\"2026-03-02 09:00\"),\n" +
				"or +DURATION: --start +10m is ten minutes from now, --end +1h an hour after the start.\n" + apiHelp,
			examples: []string{"parley schedule 1000 --start '2026-03-02 09:00' --tz Europe/London --end +1h --call 2001:moderator --call +441632960123"},
			setup:    scheduleCmd},
		{name: "schedules", args: "ROOM", summary: "ROOM's scheduled conferences",
			help: apiHelp, examples: []string{"parley schedules 1000"}, setup: schedulesCmd},
		{name: "link", args: "ROOM --name N", summary: "make a guest or group link and print its URL",
			help:     "T (--from, --until) is RFC 3339 with an offset (2026-03-02T09:00:00+01:00).\n" + apiHelp,
			examples: []string{"parley link 1000 --name 'Ann Lee' --email ann@example.com --send-email", "parley link 1000 --kind group --name 'All hands'"},
			setup:    linkCmd},
		{name: "links", args: "ROOM", summary: "ROOM's links and their state",
			help: apiHelp, examples: []string{"parley links 1000"}, setup: linksCmd},
		{name: "import-guests", args: "ROOM FILE.csv", summary: "one guest link per CSV row (name,email,role,language), all or none",
			help:     "Every bad row is printed as FILE:LINE: message, and no link is made.\n" + apiHelp,
			examples: []string{"parley import-guests 1000 guests.csv --send-email"}, setup: importGuestsCmd},
		{name: "attendees", args: "ROOM", summary: "the attendee list as CSV, invited-but-not-joined included",
			help: apiHelp, examples: []string{"parley attendees 1000 > attendees.csv"}, setup: attendeesCmd},
		{name: "join-info", args: "ROOM", summary: "the text to paste into a message",
			help: apiHelp, examples: []string{"parley join-info 1000 --lang fr"}, setup: joinInfoCmd},
		{name: "contacts", args: "\nadd NAME TARGET\ndelete ID", summary: "the address book (admin token)",
			help: apiHelp, examples: []string{"parley contacts --q ann", "parley contacts add 'Ann Lee' +441632960123"},
			setup: contactsCmd},
		{name: "reload", summary: "make the running server re-read its config file (as kill -HUP does)",
			help: "It prints what changed and the settings that need a restart; a file with problems is\n" +
				"refused (the server keeps its config), each problem printed as FILE:LINE: message, exit 1.\n" +
				"It asks a running Parley's REST API (--api), with an admin token (--token).",
			examples: []string{"parley reload", "parley reload --api http://10.0.0.5:8080 --token secret --json"},
			setup:    reloadCmd},
		{name: "drain", summary: "stop taking new calls (a cluster node: new rooms) and let those in progress end",
			help: "It starts the drain SIGTERM starts, without the stop: /readyz answers 503; a cluster node\n" +
				"(cluster.drain) sends calls for new rooms to the other nodes and keeps its own rooms, new\n" +
				"callers included, until they empty; a single node refuses new calls with 503. --wait returns\n" +
				"once no call is left (exit 1 after --timeout): then stop the node. There is no undoing it.\n" +
				"It asks a running Parley's REST API (--api), with an admin token (--token).",
			examples: []string{"parley drain --api http://10.0.0.5:8080 --wait && systemctl restart parley"},
			setup:    drainCmd},
		{name: "trace", args: "on\noff [ID]\nlist\n--follow", summary: "trace SIP messages by source address or Call-ID (admin token)",
			help: "on needs --source IP|CIDR or --call-id ID; the trace lasts --for (default 10m, at most 1h) and\n" +
				"goes to sip.trace.file or the log, and to the sip.trace.hep collector. --follow prints the\n" +
				"traced messages as they come (with on, the trace stops on Ctrl-C). off without ID stops all.\n" +
				"It asks a running Parley's REST API (--api), with an admin token (--token).",
			examples: []string{"parley trace on --source 192.0.2.10", "parley trace on --call-id 3848276298@192.0.2.10 --for 30m --follow",
				"parley trace list", "parley trace off", "parley trace --follow"},
			setup: traceCmd},
		{name: "migrate", summary: "apply the schema migrations store.path needs (--dry-run: print them)",
			help: "It reads store.path from --config FILE (default as for serve). Before migrating, the\n" +
				"database is copied to PATH.pre-VERSION, as serve does at start. Stop the server first,\n" +
				"and run it as the server's user (docs/OPERATIONS.md).",
			examples: []string{"parley migrate --dry-run --config " + defaultConfigPath, "sudo -u parley parley migrate"},
			setup:    migrateCmd},
		{name: "backup", args: "FILE", summary: "copy store.path to the new FILE, online (SQLite backup API)",
			help:     "It reads store.path from --config FILE (default as for serve); it never migrates.\nRestore: stop the server and put FILE in store.path's place (docs/OPERATIONS.md).",
			examples: []string{"sudo -u parley parley backup /var/backups/parley/parley-$(date +%F).db"},
			setup:    backupCmd},
		{name: "version", summary: "the version and VCS commit of this binary (also: parley --version)",
			examples: []string{"parley version"}, setup: versionCmd},
		{name: "completion", args: "bash", summary: "print the bash completion script",
			examples: []string{"source <(parley completion bash)", "parley completion bash > /etc/bash_completion.d/parley"},
			setup:    completionCmd},
		{name: "help", args: "[COMMAND]", summary: "the list of commands, or a command's flags and examples",
			examples: []string{"parley help dial"}, setup: helpCmd},
	}
}
