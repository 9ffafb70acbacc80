//go:build !amd64 || purego

package minhash

// signKernel is nil here: appendSignature uses signGeneric.
var signKernel func(out Signature, hashes, a []uint64)
