package per_test

import (
	"fmt"

	"github.com/parleyhq/parley/h323/per"
)

// An H.245 MasterSlaveDetermination, encoded and decoded again.
func ExampleType_Encode() {
	msc, err := per.H323().Type("MULTIMEDIA-SYSTEM-CONTROL", "MultimediaSystemControlMessage")
	if err != nil {
		panic(err)
	}
	b, err := msc.Encode(per.Choice{Name: "request", Value: per.Choice{Name: "masterSlaveDetermination",
		Value: per.Seq{"terminalType": 50, "statusDeterminationNumber": 8388607}}})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%x\n", b)
	v, err := msc.Decode(b)
	if err != nil {
		panic(err)
	}
	fmt.Println(per.Get(v, "request", "masterSlaveDetermination", "terminalType"))
	// Output:
	// 010032807fffff
	// 50
}

// Encode names where a value breaks its type: here a dialedDigits with a
// letter.
func ExampleError() {
	alias, err := per.H323().Type("H323-MESSAGES", "AliasAddress")
	if err != nil {
		panic(err)
	}
	_, err = alias.Encode(per.Choice{Name: "dialedDigits", Value: "12a"})
	fmt.Println(err)
	// Output:
	// AliasAddress.dialedDigits: character 'a' outside the permitted alphabet
}
