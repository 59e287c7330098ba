// Command sdkvectors prints test vectors made by the Cosmos SDK's own code (v0.53 line) for
// aichain's Python re-implementations: the ASCII-armored private key format (both ways),
// multisig (LegacyAminoPubKey) addresses and SIGN_MODE_LEGACY_AMINO_JSON sign bytes.
//
// Usage: go run . [ARMOR_FILE PASSPHRASE]   (with a file: also decrypts that armor, e.g. one
// `aichain keys export` wrote, and prints its private key in hex)
package main

import (
	"context"

	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	tmcrypto "github.com/cometbft/cometbft/crypto"
	"os"

	bankv1beta1 "cosmossdk.io/api/cosmos/bank/v1beta1"
	basev1beta1 "cosmossdk.io/api/cosmos/base/v1beta1"
	ed25519api "cosmossdk.io/api/cosmos/crypto/ed25519"
	distrv1beta1 "cosmossdk.io/api/cosmos/distribution/v1beta1"
	govv1 "cosmossdk.io/api/cosmos/gov/v1"
	slashingv1beta1 "cosmossdk.io/api/cosmos/slashing/v1beta1"
	stakingv1beta1 "cosmossdk.io/api/cosmos/staking/v1beta1"
	txv1beta1 "cosmossdk.io/api/cosmos/tx/v1beta1"
	"cosmossdk.io/x/tx/signing"
	"cosmossdk.io/x/tx/signing/aminojson"
	"github.com/cosmos/cosmos-sdk/codec/legacy"
	sdkcrypto "github.com/cosmos/cosmos-sdk/crypto"
	"github.com/cosmos/cosmos-sdk/crypto/keys/bcrypt"
	"github.com/cosmos/cosmos-sdk/crypto/keys/multisig"
	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	"github.com/cosmos/cosmos-sdk/crypto/xsalsa20symmetric"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func key(seed byte) *secp256k1.PrivKey {
	bz := make([]byte, 32)
	bz[31] = seed
	return &secp256k1.PrivKey{Key: bz}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

type aminoCase struct {
	Name          string   `json:"name"`
	ChainID       string   `json:"chain_id"`
	AccountNumber uint64   `json:"account_number"`
	Sequence      uint64   `json:"sequence"`
	TimeoutHeight uint64   `json:"timeout_height"`
	Memo          string   `json:"memo"`
	FeeDenom      string   `json:"fee_denom"`
	FeeAmount     string   `json:"fee_amount"`
	Gas           uint64   `json:"gas"`
	Msgs          []string `json:"msgs"` // base64 of google.protobuf.Any
	Unordered     bool     `json:"unordered"`
	TimeoutSecs   int64    `json:"timeout_timestamp_seconds"`
	TimeoutNanos  int32    `json:"timeout_timestamp_nanos"`
	SignBytes     string   `json:"sign_bytes"`
}

func aminoVector(name string, timeout uint64, memo string, fee []*basev1beta1.Coin, msgs ...proto.Message) aminoCase {
	return aminoVectorWith(name, timeout, memo, fee, nil, msgs...)
}

func aminoVectorWith(name string, timeout uint64, memo string, fee []*basev1beta1.Coin, unordered *timestamppb.Timestamp, msgs ...proto.Message) aminoCase {
	handler := aminojson.NewSignModeHandler(aminojson.SignModeHandlerOptions{})
	c := aminoCase{Name: name, ChainID: "aichain-test", AccountNumber: 7, Sequence: 3,
		TimeoutHeight: timeout, Memo: memo, Gas: 200000}
	if len(fee) > 0 {
		c.FeeDenom, c.FeeAmount = fee[0].Denom, fee[0].Amount
	}
	var anys []*anypb.Any
	for _, m := range msgs {
		a, err := anypb.New(m)
		must(err)
		anys = append(anys, a)
		bz, err := proto.Marshal(a)
		must(err)
		c.Msgs = append(c.Msgs, base64.StdEncoding.EncodeToString(bz))
	}
	body := &txv1beta1.TxBody{Messages: anys, Memo: memo, TimeoutHeight: timeout}
	if unordered != nil {
		body.Unordered, body.TimeoutTimestamp = true, unordered
		c.Unordered, c.TimeoutSecs, c.TimeoutNanos = true, unordered.Seconds, unordered.Nanos
	}
	auth := &txv1beta1.AuthInfo{Fee: &txv1beta1.Fee{Amount: fee, GasLimit: c.Gas}}
	data := signing.TxData{Body: body, AuthInfo: auth}
	signer := signing.SignerData{Address: "aic1qyqszqgpqyqszqgpqyqszqgpqyqszqgpjnp7du", ChainID: c.ChainID, AccountNumber: c.AccountNumber, Sequence: c.Sequence}
	bz, err := handler.GetSignBytes(context.Background(), signer, data)
	must(err)
	c.SignBytes = string(bz)
	return c
}

func main() {
	out := map[string]any{}

	// Armor: the SDK's EncryptArmorPrivKey over a known key and passphrase.
	priv := key(1)
	out["armor"] = map[string]string{
		"secret_hex": hex.EncodeToString(priv.Key),
		"passphrase": "correct horse battery",
		"armor":      sdkcrypto.EncryptArmorPrivKey(priv, "correct horse battery", "secp256k1"),
	}
	// The bcrypt armor every SDK version reads (and v0.47-v0.50 write), made with the SDK's
	// own primitives as its EncryptArmorPrivKey did before argon2.
	salt := []byte("0123456789abcdef")
	bkey, err := bcrypt.GenerateFromPassword(salt, []byte("correct horse battery"), sdkcrypto.BcryptSecurityParameter)
	must(err)
	bkey = tmcrypto.Sha256(bkey)
	enc := xsalsa20symmetric.EncryptSymmetric(legacy.Cdc.MustMarshal(priv), bkey)
	out["armor_bcrypt"] = map[string]string{
		"secret_hex": hex.EncodeToString(priv.Key),
		"passphrase": "correct horse battery",
		"armor": sdkcrypto.EncodeArmor("TENDERMINT PRIVATE KEY",
			map[string]string{"kdf": "bcrypt", "salt": fmt.Sprintf("%X", salt), "type": "secp256k1"}, enc),
	}
	if len(os.Args) == 3 {
		text, err := os.ReadFile(os.Args[1])
		must(err)
		got, algo, err := sdkcrypto.UnarmorDecryptPrivKey(string(text), os.Args[2])
		must(err)
		out["python_armor"] = map[string]string{"armor": string(text), "passphrase": os.Args[2],
			"sdk_decrypted_secret_hex": hex.EncodeToString(got.Bytes()), "algo": algo}
	}

	// Multisig: LegacyAminoPubKey bytes and address.
	var multis []map[string]any
	for _, shape := range []struct {
		k     int
		seeds []byte
	}{{2, []byte{1, 2, 3}}, {1, []byte{3, 1}}, {3, []byte{4, 5, 6, 7}}} {
		var pks []cryptotypes.PubKey
		var hexes []string
		for _, s := range shape.seeds {
			pk := key(s).PubKey()
			pks = append(pks, pk)
			hexes = append(hexes, hex.EncodeToString(pk.Bytes()))
		}
		m := multisig.NewLegacyAminoPubKey(shape.k, pks)
		anyPk, err := m.Marshal()
		must(err)
		multis = append(multis, map[string]any{
			"threshold":   shape.k,
			"pubkeys":     hexes,
			"amino_hex":   hex.EncodeToString(m.Bytes()),
			"address_hex": hex.EncodeToString(m.Address()),
			"proto_hex":   hex.EncodeToString(anyPk),
		})
	}
	out["multisig"] = multis

	// SIGN_MODE_LEGACY_AMINO_JSON sign bytes, by x/tx's handler (what the SDK's ante uses).
	addr1 := "aic1qyqszqgpqyqszqgpqyqszqgpqyqszqgpjnp7du"
	addr2 := "aic1qgpqyqszqgpqyqszqgpqyqszqgpqyqszhmvtc9"
	valoper := "aicvaloper1qyqszqgpqyqszqgpqyqszqgpqyqszqgpy3yx0a"
	fee := []*basev1beta1.Coin{{Denom: "uaic", Amount: "5000"}}
	coin := &basev1beta1.Coin{Denom: "uaic", Amount: "1000"}
	edPk, err := anypb.New(&ed25519api.PubKey{Key: make([]byte, 32)})
	must(err)
	cases := []aminoCase{
		aminoVector("bank send", 0, "", fee, &bankv1beta1.MsgSend{FromAddress: addr1, ToAddress: addr2,
			Amount: []*basev1beta1.Coin{coin, {Denom: "zeta", Amount: "1"}}}),
		aminoVector("memo escaping, timeout height, two messages", 90, "a <b> & c", fee,
			&bankv1beta1.MsgSend{FromAddress: addr1, ToAddress: addr2, Amount: []*basev1beta1.Coin{coin}},
			&stakingv1beta1.MsgDelegate{DelegatorAddress: addr1, ValidatorAddress: valoper, Amount: coin}),
		aminoVector("no fee", 0, "", nil, &distrv1beta1.MsgWithdrawDelegatorReward{DelegatorAddress: addr1, ValidatorAddress: valoper}),
		aminoVector("unjail", 0, "", fee, &slashingv1beta1.MsgUnjail{ValidatorAddr: valoper}),
		aminoVector("undelegate, redelegate", 0, "", fee,
			&stakingv1beta1.MsgUndelegate{DelegatorAddress: addr1, ValidatorAddress: valoper, Amount: coin},
			&stakingv1beta1.MsgBeginRedelegate{DelegatorAddress: addr1, ValidatorSrcAddress: valoper, ValidatorDstAddress: valoper, Amount: coin}),
		aminoVector("edit validator, empty optional fields", 0, "", fee,
			&stakingv1beta1.MsgEditValidator{Description: &stakingv1beta1.Description{Moniker: "v"}, ValidatorAddress: valoper}),
		aminoVector("create validator", 0, "", fee, &stakingv1beta1.MsgCreateValidator{
			Description:       &stakingv1beta1.Description{Moniker: "val", Website: "https://x"},
			Commission:        &stakingv1beta1.CommissionRates{Rate: "100000000000000000", MaxRate: "200000000000000000", MaxChangeRate: "10000000000000000"},
			MinSelfDelegation: "1", DelegatorAddress: "", ValidatorAddress: valoper, Pubkey: edPk, Value: coin}),
		aminoVector("gov vote, set withdraw address, fund pool", 0, "", fee,
			&govv1.MsgVote{ProposalId: 4, Voter: addr1, Option: govv1.VoteOption_VOTE_OPTION_YES},
			&distrv1beta1.MsgSetWithdrawAddress{DelegatorAddress: addr1, WithdrawAddress: addr2},
			&distrv1beta1.MsgFundCommunityPool{Depositor: addr1, Amount: []*basev1beta1.Coin{coin}}),
		aminoVector("gov deposit, multisend", 0, "", fee,
			&govv1.MsgDeposit{ProposalId: 9, Depositor: addr1, Amount: []*basev1beta1.Coin{coin}},
			&bankv1beta1.MsgMultiSend{Inputs: []*bankv1beta1.Input{{Address: addr1, Coins: []*basev1beta1.Coin{coin}}},
				Outputs: []*bankv1beta1.Output{{Address: addr2, Coins: []*basev1beta1.Coin{coin}}}}),
	}
	cases = append(cases, aminoVectorWith("unordered with a timeout timestamp", 0, "", fee,
		&timestamppb.Timestamp{Seconds: 1700000000, Nanos: 120000000},
		&bankv1beta1.MsgSend{FromAddress: addr1, ToAddress: addr2, Amount: []*basev1beta1.Coin{coin}}))
	out["amino_json"] = cases

	encoder := json.NewEncoder(os.Stdout)
	encoder.SetIndent("", "  ")
	must(encoder.Encode(out))
}
