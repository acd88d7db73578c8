#include "report/html.hpp"

#include "report/svg.hpp"

#include <algorithm>
#include <set>

namespace msc::report {

namespace {

const char* kStyle = R"CSS(
body{font-family:"DejaVu Sans",Arial,sans-serif;margin:0;color:#222;background:#f6f7f9}
header{background:#263238;color:#fff;padding:18px 28px}
header h1{margin:0;font-size:24px}header p{margin:4px 0 0;color:#cfd8dc}
main{padding:16px 28px;max-width:1700px}
section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:14px 18px;margin:0 0 18px}
h2{font-size:18px;margin:0 0 10px}
.notes li{color:#8a4b00}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:10px}
.card{border:1px solid #e3e6ea;border-radius:5px;padding:8px 10px;background:#fafbfc}
.card .v{font-size:20px;font-weight:bold}.card .l{font-size:12px;color:#555}
.figs{display:grid;grid-template-columns:repeat(auto-fill,minmax(840px,1fr));gap:16px}
figure{margin:0}figure svg{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:12px;color:#444;margin-top:4px}figcaption a{margin-right:8px}
table{border-collapse:collapse;width:100%;font-size:12px}
th,td{border-bottom:1px solid #e6e6e6;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#eceff1;cursor:pointer;user-select:none;position:sticky;top:0}
th.asc::after{content:" \25B2"}th.desc::after{content:" \25BC"}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.ev{max-width:640px;white-space:pre-wrap;color:#333}
.tag{display:inline-block;background:#ffe0cc;border-radius:3px;padding:0 4px;margin:1px}
.controls{margin:0 0 8px}.controls input{width:320px;padding:4px}
.controls label{margin-left:10px;font-size:12px}
#msc-status{font-size:11px;color:#888}
)CSS";

const char* kScript = R"JS(
(function(){
  'use strict';
  var table = document.getElementById('anomalies');
  var status = document.getElementById('msc-status');
  if (table) {
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    var filter = document.getElementById('filter');
    var cls = document.getElementById('class-filter');
    var count = document.getElementById('row-count');
    var apply = function(){
      var q = filter.value.toLowerCase(), c = cls.value, shown = 0;
      rows.forEach(function(r){
        var ok = (!q || r.textContent.toLowerCase().indexOf(q) >= 0) &&
                 (!c || (' ' + r.getAttribute('data-classes') + ' ').indexOf(' ' + c + ' ') >= 0);
        r.style.display = ok ? '' : 'none';
        if (ok) shown++;
      });
      count.textContent = shown + ' of ' + rows.length + ' peers shown';
    };
    filter.addEventListener('input', apply);
    cls.addEventListener('change', apply);
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function(th, col){
      th.addEventListener('click', function(){
        var asc = !th.classList.contains('asc');
        Array.prototype.forEach.call(table.tHead.rows[0].cells, function(o){ o.classList.remove('asc','desc'); });
        th.classList.add(asc ? 'asc' : 'desc');
        var numeric = th.getAttribute('data-type') === 'num';
        rows.sort(function(a, b){
          var x = a.cells[col].getAttribute('data-sort') || a.cells[col].textContent;
          var y = b.cells[col].getAttribute('data-sort') || b.cells[col].textContent;
          var r = numeric ? (parseFloat(x) - parseFloat(y)) : x.localeCompare(y);
          return asc ? r : -r;
        });
        rows.forEach(function(r){ tbody.appendChild(r); });
      });
    });
    apply();
  }
  var figs = document.querySelectorAll('figure svg').length;
  document.body.setAttribute('data-figures', String(figs));
  status.textContent = 'rendered: ' + figs + ' figures';
  document.body.setAttribute('data-msc-ready', 'ok');
})();
)JS";

std::string strip_xml_decl(const std::string& svg) {
    if (svg.rfind("<?xml", 0) == 0) {
        auto p = svg.find("?>");
        if (p != std::string::npos) return svg.substr(p + 2 + (svg.size() > p + 2 && svg[p + 2] == '\n'));
    }
    return svg;
}

// IPv4 dotted quads sort numerically; other strings keep their text as key.
std::string ip_sort_key(const std::string& ip) {
    unsigned a, b, c, d;
    char tail;
    if (std::sscanf(ip.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 4 && a < 256 && b < 256 && c < 256 &&
        d < 256) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "4:%03u.%03u.%03u.%03u", a, b, c, d);
        return buf;
    }
    return "6:" + ip;
}

} // namespace

std::string render_html(const ReportData& d, const std::vector<Figure>& figures, const HtmlOptions& opt) {
    std::string h;
    h.reserve(1 << 20);
    h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
    h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">";
    h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
    h += "<title>" + xml_escape(d.title) + "</title><style>" + kStyle + "</style></head><body>\n";
    h += "<header><h1>" + xml_escape(d.title) + "</h1><p>" + xml_escape(d.subtitle) + "</p></header><main>\n";

    if (!d.notes.empty()) {
        h += "<section class=\"notes\" id=\"notes\"><h2>Notes</h2><ul>";
        for (auto& n : d.notes) h += "<li>" + xml_escape(n) + "</li>";
        h += "</ul></section>\n";
    }

    h += "<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">";
    for (auto& s : d.summary) {
        h += "<div class=\"card\"";
        if (!s.note.empty()) h += " title=\"" + xml_escape(s.note) + "\"";
        h += "><div class=\"v\">" + xml_escape(s.value) + "</div><div class=\"l\">" + xml_escape(s.label) +
             "</div></div>";
    }
    h += "</div></section>\n";

    h += "<section id=\"figures\"><h2>Figures</h2><div class=\"figs\">";
    for (auto& f : figures) {
        h += "<figure id=\"fig-" + xml_escape(f.name) + "\" data-has-data=\"" + (f.has_data ? "1" : "0") + "\">";
        h += "<h3>" + xml_escape(f.title) + "</h3>";
        h += strip_xml_decl(f.svg);
        h += "<figcaption>" + xml_escape(f.caption) + "<br>";
        std::string base = opt.figure_dir.empty() ? f.name : opt.figure_dir + "/" + f.name;
        h += "<a href=\"" + xml_escape(base) + ".svg\">SVG</a>";
        for (auto& fmt : opt.figure_formats) {
            std::string up = fmt;
            std::transform(up.begin(), up.end(), up.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
            h += "<a href=\"" + xml_escape(base + "." + fmt) + "\">" + xml_escape(up) + "</a>";
        }
        h += "</figcaption></figure>\n";
    }
    h += "</div></section>\n";

    std::set<std::string> classes;
    for (auto& r : d.anomalies) classes.insert(r.classes.begin(), r.classes.end());
    h += "<section id=\"anomaly-table\"><h2>Non-standard peers</h2><div class=\"controls\">"
         "<input id=\"filter\" type=\"search\" placeholder=\"filter: IP, AS, class, evidence\">"
         "<label>class <select id=\"class-filter\"><option value=\"\">all</option>";
    for (auto& c : classes) h += "<option>" + xml_escape(c) + "</option>";
    h += "</select></label> <span id=\"row-count\"></span></div>";
    h += "<table id=\"anomalies\"><thead><tr><th data-type=\"str\">IP</th><th data-type=\"str\">AS</th>"
         "<th data-type=\"str\">classes</th><th data-type=\"num\">#classes</th><th data-type=\"str\">vantages</th>"
         "<th data-type=\"num\">messages</th><th data-type=\"num\">connections</th>"
         "<th data-type=\"str\">evidence</th></tr></thead><tbody>\n";
    for (auto& r : d.anomalies) {
        std::string cl;
        for (auto& c : r.classes) cl += (cl.empty() ? "" : " ") + c;
        h += "<tr data-classes=\"" + xml_escape(cl) + "\"><td data-sort=\"" + xml_escape(ip_sort_key(r.ip)) + "\">" +
             xml_escape(r.ip) + "</td><td>" + xml_escape(r.asn) + "</td><td>";
        for (auto& c : r.classes) h += "<span class=\"tag\">" + xml_escape(c) + "</span>";
        h += "</td><td class=\"num\">" + std::to_string(r.classes.size()) + "</td><td>" + xml_escape(r.vantages) +
             "</td><td class=\"num\" data-sort=\"" + std::to_string(r.messages) + "\">" +
             tick_label(static_cast<double>(r.messages)) + "</td><td class=\"num\" data-sort=\"" +
             std::to_string(r.connections) + "\">" + tick_label(static_cast<double>(r.connections)) +
             "</td><td class=\"ev\">" + xml_escape(r.evidence) + "</td></tr>\n";
    }
    h += "</tbody></table>";
    if (d.anomalies.empty()) h += "<p>No peer matched any non-standard rule.</p>";
    h += "</section>\n";

    h += "<section id=\"files\"><h2>Data files</h2><ul>";
    for (auto& f : d.files)
        h += "<li><a href=\"" + xml_escape(f.href) + "\">" + xml_escape(f.label) + "</a> <code>" +
             xml_escape(f.href) + "</code></li>";
    h += "</ul></section>\n<p id=\"msc-status\">rendering…</p></main><script>";
    h += kScript;
    h += "</script></body></html>\n";
    return h;
}

} // namespace msc::report
