//go:build !race

package minhash

// raceEnabled is false without the race detector.
const raceEnabled = false
