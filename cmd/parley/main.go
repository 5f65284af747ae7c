// Command parley is the Parley conference bridge and its command-line client.
//
//	parley serve [--config FILE]     run the bridge (embedded default without --config)
//	parley check-config FILE         validate a config file; exit 1 with FILE:LINE: message
//	parley route TARGET              how a dial target would be routed, without calling
//
// The other commands are clients of a running bridge's REST API (--api URL,
// --token TOKEN, --json):
//
//	parley dial ROOM TARGET          call someone into a room
//	parley participants ROOM         list a room's participants and its calls out
//	parley rooms list|show|create|delete
//	                                 manage rooms
//	parley mute|unmute|kick ROOM ID  moderate a participant
//	parley role ROOM ID ROLE         change a participant's role
//	parley token ROOM --role R       mint a room token
//	parley schedule ROOM ...         schedule a conference
//	parley schedules ROOM            list a room's scheduled conferences
//	parley link ROOM ...             make a guest or group link
//	parley links ROOM                list a room's links
//	parley import-guests ROOM FILE   one guest link per CSV row
//	parley attendees ROOM            the attendee list as CSV
//	parley join-info ROOM            the text to paste into a message
//	parley contacts [add|delete]     the address book
//	parley reload                    the server re-reads its config file
//	parley help                      the full usage
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
