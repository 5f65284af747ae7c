// Command parley is the Parley conference bridge.
//
//	parley serve [--config FILE]   run the bridge (embedded default without --config)
//	parley check-config FILE       validate a config file; exit 1 with FILE:LINE: message
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
