package pii

import (
	_ "embed"
	"strings"
)

// Name lists for the PERSON detector, one name per line, most frequent first.
//
// given.txt: the 4,000 most frequent given names (both sexes summed) of the
// US Social Security Administration's baby-name table for 2010 (yob2010.txt),
// read from github.com/aramshiva/babies, path names/yob2010.txt. Published by
// the SSA; a work of the US federal government, public domain (17 U.S.C. 105).
//
// surnames.txt: the 1,022 most frequent surnames of the US Census Bureau's
// "Frequently Occurring Surnames from the 2010 Census" (Names_2010Census.csv),
// read from github.com/DinaAbrahim/MarriageInTexas, path Names_2010Census.csv
// (the stored copy ends after rank 1,022). Published by the US Census Bureau;
// public domain (17 U.S.C. 105).
//
//go:embed namedata/given.txt
var givenNamesData string

//go:embed namedata/surnames.txt
var surnamesData string

// surnames holds the census surnames; it confirms the second word after a
// given name that is also an ordinary word ("Will Smith", not "Will Update").
var surnames = setOf(surnamesData)

// ambiguousGiven are given names that are also common words, places or
// brands. They count as a given name only before a listed surname or after
// an introduction cue. Written for this package.
var ambiguousGiven = setOf(`Will May June April August Grace Hope Faith Joy Summer Autumn Winter Rose Lily Ivy
Hunter Chase Mason King Major Justice River Sage Chance Prince Stone London Boston Houston Memphis Phoenix Dallas
Paris Camden Kingston Lincoln Ace Cash Crew Case Van Said Legend Messiah Genesis Trinity Destiny Harmony Heaven
Miracle Serenity Journey Unique Promise Treasure Precious Essence Royal Honor America India Asia Jersey Ireland
Georgia Virginia Carolina Brooklyn Sierra Savannah Austin Jordan Angel Amber Crystal Diamond Jewel Pearl Ruby Jade
Holly Olive Violet Hazel Daisy Dawn Page Hayes Lane Brooks Reed Bishop Dean Bill Guy Art Don Sky Rain Storm Star
Blue Gray Green Brown White Black Young Long Price Wade Drew Max Rich Mark Pat Frank Earl Deacon Marshall Judge
Tucker Porter Parker Carter Cooper Taylor Archer Madison Jackson Washington Cleveland Denver Aspen Dakota Sydney
Milan Vienna Florence Victoria Charlotte Chelsea Kent Clay Gage Cole Grant Glen Dale Forest Ford Bentley Mercedes
Lexus Porsche Harley Tesla Apple Cherry Berry Honey Candy Sugar Ginger Pepper Cookie Coco Lemon Melody Lyric
Haven Marley Miles Cannon Rocky Sunny Misty Goldie Bliss Gray Nova Luna Stella Aurora Eden Zion Shiloh Jesus
Christian Christ Islam Lord Baby Love Golden Silver Rebel Ranger Saint Kingdom Easton Bristol Cambria Kenya Jamaica
Egypt Israel Chanel Gucci Armani Nike Marvel Legacy Lucky Noble Gunner Titan Atlas Blaze Jett Storm Orion Rex
Maverick Ryder Knox Chevy Dodge Hudson Austin Nash Raleigh Laramie Cheyenne Tyler Sterling Tripp Colt Walker
Fisher Miller Banks Beck Bowie Branch Bridge Brady Buck Cliff Cruz Early Rush Stormy Trace Tristan Journee
Princess Monte Fox Royal Duke Earnest Sonny Rusty Dusty Hardy Bud`)

// givenKind classifies a listed given name.
func givenKind(n string) uint8 {
	if ambiguousGiven[n] {
		return kindAmbiguous
	}
	return kindGiven
}

// listedGivenNames are the embedded names minus words the other cue lists
// already read as something else ("Patient", "Monday"); a word-like name
// stays, as it needs a census surname after it anyway.
func listedGivenNames() []string {
	var out []string
	for _, n := range strings.Fields(givenNamesData) {
		if ambiguousGiven[n] || !notSurname[n] && !commonStarters[n] && !orgWords[n] {
			out = append(out, n)
		}
	}
	return out
}
