// A minimal SVG writer and axis helper for the report figures.
// Output is deterministic (fixed number formatting, no locale), self-contained (no external
// fonts, images or CSS) and valid standalone SVG 1.1, so it can be inlined into report.html and
// converted to PNG/PDF by rsvg-convert.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace msc::report {

// XML-escapes text for element content and attribute values.
std::string xml_escape(std::string_view s);
// Short fixed-point number text without locale effects: 3 -> "3", 2.5 -> "2.5", 1e6 -> "1000000".
std::string num(double v, int max_decimals = 2);
// Tick label text: integers with thousands separators, small numbers with few decimals.
std::string tick_label(double v);

struct Rect { double x = 0, y = 0, w = 0, h = 0; };

class Svg {
public:
    Svg(double width, double height, std::string title);
    double width() const { return w_; }
    double height() const { return h_; }

    void rect(double x, double y, double w, double h, std::string_view fill,
              std::string_view stroke = "none", std::string_view tooltip = {});
    void line(double x1, double y1, double x2, double y2, std::string_view stroke,
              double width = 1, std::string_view dash = {});
    void polyline(const std::vector<std::pair<double, double>>& pts, std::string_view stroke,
                  double width = 1.5);
    void circle(double cx, double cy, double r, std::string_view fill, std::string_view tooltip = {});
    // anchor: "start", "middle", "end"; rotate in degrees around (x, y).
    void text(double x, double y, std::string_view s, double size = 11,
              std::string_view anchor = "start", std::string_view fill = "#222",
              double rotate = 0, bool bold = false);
    void raw(std::string_view fragment) { body_ += fragment; }

    // The finished document (with XML declaration when standalone).
    std::string str(bool standalone = true) const;

private:
    double w_, h_;
    std::string title_;
    std::string body_;
};

// A linear or log10 axis mapping data values to pixels.
struct Axis {
    double lo = 0, hi = 1;        // data range (for log: positive)
    double p0 = 0, p1 = 1;        // pixel range (p0 for lo, p1 for hi; p1 < p0 for y axes)
    bool log = false;
    double map(double v) const;
    std::vector<double> ticks(int target = 6) const;   // "nice" tick values within [lo, hi]
};

// Palette used for categorical series (colour-blind friendly, Okabe-Ito order).
const char* palette(size_t i);

// Draws a frame with axes, ticks, grid and labels for the plot area `area`.
void draw_axes(Svg& svg, const Rect& area, const Axis& x, const Axis& y, std::string_view xlabel,
               std::string_view ylabel);
// Draws a legend box at the top-right corner of `area`.
void draw_legend(Svg& svg, const Rect& area, const std::vector<std::pair<std::string, std::string>>& items);
// A visible "no data" message in the plot area, so an empty figure is never mistaken for zero.
void draw_no_data(Svg& svg, const Rect& area, std::string_view why);

} // namespace msc::report
