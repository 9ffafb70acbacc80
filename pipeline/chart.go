package pipeline

import (
	"fmt"
	"html"
	"html/template"
	"strings"
)

// Chart is a chart of report.html, drawn as inline SVG: no script, no font
// or style fetched, readable from about 1,000 pixels wide.
type Chart struct {
	Title string
	// Series names the segments of each bar; two or more get a legend.
	Series []string
	Bars   []Bar
	// Columns draws the bars upright, in order (a histogram), rather than
	// as labelled rows.
	Columns bool
	// Marker draws a vertical line across a column chart.
	Marker *Marker
}

// Bar is one bar: its segments' values (one per series), the text beside
// it, and Alert to draw it in the warning colour.
type Bar struct {
	Label  string
	Values []float64
	Note   string
	Alert  bool
}

// Marker is a vertical line at At columns from the left edge of a column
// chart (2 is the right edge of the second column), labelled.
type Marker struct {
	At    float64
	Label string
}

const (
	chartW    = 1000.0
	warnColor = "#d1495b"
)

var palette = []string{"#3d7ab8", "#f0a04b", warnColor, "#5aa9a3", "#6a994e", "#9c6ade"}

// SVG renders the chart; an empty chart renders nothing.
func (c Chart) SVG() template.HTML {
	if len(c.Bars) == 0 {
		return ""
	}
	var b strings.Builder
	if c.Columns {
		c.columns(&b)
	} else {
		c.rows(&b)
	}
	return template.HTML(b.String()) // every text in it went through esc
}

func esc(s string) string { return html.EscapeString(s) }

// total is the sum of a bar's segments.
func (b Bar) total() float64 {
	t := 0.0
	for _, v := range b.Values {
		t += v
	}
	return t
}

// headerHeight is the height of the title and legend.
func (c Chart) headerHeight() float64 {
	if len(c.Series) > 1 {
		return 52
	}
	return 28
}

// header opens the SVG element and draws the title and legend.
func (c Chart) header(b *strings.Builder, height float64) {
	fmt.Fprintf(b, `<svg viewBox="0 0 %.0f %.0f" width="%.0f" role="img" aria-label="%s"><title>%s</title>`,
		chartW, height, chartW, esc(c.Title), esc(c.Title))
	fmt.Fprintf(b, `<text x="0" y="16" font-weight="600">%s</text>`, esc(c.Title))
	y := 24.0
	if len(c.Series) > 1 {
		x := 0.0
		for i, s := range c.Series {
			fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="12" height="12" fill="%s"/><text x="%.1f" y="%.1f">%s</text>`,
				x, y+4, palette[i%len(palette)], x+17, y+14, esc(s))
			x += 30 + 7.5*float64(len([]rune(s)))
		}
	}
}

// rows draws horizontal bars: labels on the left, the note after the bar.
func (c Chart) rows(b *strings.Builder) {
	const labelW, noteW, rowH, barH = 250.0, 230.0, 24.0, 16.0
	top := c.headerHeight()
	c.header(b, top+float64(len(c.Bars))*rowH+4)
	scale := 0.0
	for _, bar := range c.Bars {
		scale = max(scale, bar.total())
	}
	plot := chartW - labelW - 10 - noteW
	for i, bar := range c.Bars {
		y := top + float64(i)*rowH
		label := bar.Label
		if r := []rune(label); len(r) > 34 {
			label = string(r[:33]) + "…"
		}
		fmt.Fprintf(b, `<g><title>%s: %s</title><text x="%.0f" y="%.1f" text-anchor="end">%s</text>`,
			esc(bar.Label), esc(bar.Note), labelW, y+barH-3, esc(label))
		x := labelW + 10
		for j, v := range bar.Values {
			if v <= 0 || scale == 0 {
				continue
			}
			w := max(v/scale*plot, 1.5)
			color := palette[j%len(palette)]
			if bar.Alert {
				color = warnColor
			}
			fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.0f" fill="%s"/>`, x, y, w, barH, color)
			x += w
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f">%s</text></g>`, x+6, y+barH-3, esc(bar.Note))
	}
	b.WriteString(`</svg>`)
}

// columns draws a histogram: one upright bar per Bar, its label below and
// its note above; columns right of the marker are drawn in the warning
// colour.
func (c Chart) columns(b *strings.Builder) {
	const left, right, noteRoom, barMax = 10.0, 10.0, 22.0, 150.0
	top := c.headerHeight()
	base := top + noteRoom + barMax
	c.header(b, base+28)
	n := float64(len(c.Bars))
	colW := (chartW - left - right) / n
	scale := 0.0
	for _, bar := range c.Bars {
		scale = max(scale, bar.total())
	}
	fmt.Fprintf(b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#999"/>`, left, base, chartW-right, base)
	for i, bar := range c.Bars {
		x := left + float64(i)*colW
		h := 0.0
		if scale > 0 {
			h = bar.total() / scale * barMax
		}
		color := palette[0]
		if bar.Alert || (c.Marker != nil && float64(i) >= c.Marker.At) {
			color = warnColor
		}
		fmt.Fprintf(b, `<g><title>%s: %s</title>`, esc(bar.Label), esc(bar.Note))
		if h > 0 {
			fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x+colW*0.1, base-max(h, 1.5), colW*0.8, max(h, 1.5), color)
		}
		if bar.Note != "" {
			fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, x+colW/2, base-max(h, 1.5)-5, esc(bar.Note))
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text></g>`, x+colW/2, base+16, esc(bar.Label))
	}
	if m := c.Marker; m != nil {
		x := left + m.At*colW
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2" stroke-dasharray="6 4"/>`,
			x, top, x, base+6, warnColor)
		anchor, dx := "end", -6.0
		if m.At < n/2 {
			anchor, dx = "start", 6
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="%s" style="fill:%s">%s</text>`,
			x+dx, top+12, anchor, warnColor, esc(m.Label))
	}
	b.WriteString(`</svg>`)
}
