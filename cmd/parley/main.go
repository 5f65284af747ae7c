// Command parley is the Parley conference bridge and its command-line client.
//
//	parley serve [FILE]               run the bridge
//	parley check-config [FILE]        check a config file; each problem is printed as FILE:LINE: message
//	parley route TARGET               how a dial to TARGET would be routed, and why, without calling
//	parley dial ROOM TARGET           call TARGET into ROOM; with --wait, wait for the answer
//	parley participants ROOM          who is in ROOM, and calls out ringing or failed
//	parley rooms list                 list, show, create and delete rooms
//	parley rooms show NUMBER
//	parley rooms create NUMBER
//	parley rooms delete NUMBER
//	parley mute ROOM ID               mute a participant (ID from parley participants)
//	parley unmute ROOM ID             unmute a participant
//	parley kick ROOM ID               remove a participant from the room
//	parley role ROOM ID ROLE          change a participant's role
//	parley token ROOM --role moderator|attendee
//	                                  mint a room token; its secret is printed only once
//	parley schedule ROOM --start T --end T --call TARGET[:ROLE]...
//	                                  schedule a conference that calls everyone listed at its start
//	parley schedules ROOM             ROOM's scheduled conferences
//	parley link ROOM --name N         make a guest or group link and print its URL
//	parley links ROOM                 ROOM's links and their state
//	parley import-guests ROOM FILE.csv
//	                                  one guest link per CSV row (name,email,role,language), all or none
//	parley attendees ROOM             the attendee list as CSV, invited-but-not-joined included
//	parley join-info ROOM             the text to paste into a message
//	parley contacts                   the address book (admin token)
//	parley contacts add NAME TARGET
//	parley contacts delete ID
//	parley reload                     make the running server re-read its config file (as kill -HUP does)
//	parley drain                      stop taking new calls (a cluster node: new rooms) and let those in progress end
//	parley trace on                   trace SIP messages by source address or Call-ID (admin token)
//	parley trace off [ID]
//	parley trace list
//	parley trace --follow
//	parley migrate                    apply the schema migrations store.path needs (--dry-run: print them)
//	parley backup FILE                copy store.path to the new FILE, online (SQLite backup API)
//	parley version                    the version and VCS commit of this binary (also: parley --version)
//	parley completion bash            print the bash completion script
//	parley help [COMMAND]             the list of commands, or a command's flags and examples
//
// The commands with --api talk to a running Parley's REST API (--api URL,
// --token TOKEN, --json). Every command has --help with its flags and
// examples. The list above is the command table of commands.go, as `parley
// help` prints it; a test keeps the two in step.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
