// Command parley is the Parley conference bridge.
//
//	parley serve [--config FILE]   run the bridge (embedded default without --config)
//	parley check-config FILE       validate a config file; exit 1 with FILE:LINE: message
//	parley route TARGET            how a dial target would be routed, without calling
//	parley dial ROOM TARGET        call someone into a room through the REST API
//	parley participants ROOM       list a room's participants through the REST API
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
