// Command ics23check verifies aichain store proofs with the reference ICS23 implementation
// (github.com/cosmos/ics23/go) under its published SmtSpec.
//
// Input: one JSON object per line: {"root": hex, "key": hex, "value": hex or null, "proof": hex}
// (proof = a cosmos.ics23.v1.CommitmentProof). Output: one line per input, "ok" or "fail".
package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"

	ics23 "github.com/cosmos/ics23/go"
)

type check struct {
	Root  string  `json:"root"`
	Key   string  `json:"key"`
	Value *string `json:"value"`
	Proof string  `json:"proof"`
}

func must(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<24)
	for in.Scan() {
		var c check
		if err := json.Unmarshal(in.Bytes(), &c); err != nil {
			panic(err)
		}
		var proof ics23.CommitmentProof
		if err := proof.Unmarshal(must(c.Proof)); err != nil {
			fmt.Println("fail: decode:", err)
			continue
		}
		var ok bool
		if c.Value == nil {
			ok = ics23.VerifyNonMembership(ics23.SmtSpec, must(c.Root), &proof, must(c.Key))
		} else {
			ok = ics23.VerifyMembership(ics23.SmtSpec, must(c.Root), &proof, must(c.Key), must(*c.Value))
		}
		if ok {
			fmt.Println("ok")
		} else {
			fmt.Println("fail")
		}
	}
}
