#include "net.h"

#include <arpa/inet.h>

#include <cstring>
#include <stdexcept>
#include <vector>

namespace msc::synth {

Ip Ip::parse(const std::string& s) {
  Ip ip;
  if (s.find(':') != std::string::npos) {
    ip.v6 = true;
    if (inet_pton(AF_INET6, s.c_str(), ip.b.data()) != 1) throw std::invalid_argument("bad IPv6: " + s);
  } else if (inet_pton(AF_INET, s.c_str(), ip.b.data()) != 1) {
    throw std::invalid_argument("bad IPv4: " + s);
  }
  return ip;
}

std::string Ip::str() const {
  char buf[INET6_ADDRSTRLEN] = {0};
  inet_ntop(v6 ? AF_INET6 : AF_INET, b.data(), buf, sizeof buf);
  return buf;
}

uint32_t csum_add(uint32_t acc, const uint8_t* p, size_t n) {
  uint64_t sum = acc;
  for (size_t i = 0; i + 1 < n; i += 2) sum += uint32_t(p[i]) << 8 | p[i + 1];
  if (n & 1) sum += uint32_t(p[n - 1]) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint32_t>(sum);
}

uint16_t csum_fold(uint32_t acc) {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<uint16_t>(~acc & 0xffff);
}

namespace {
void be16(std::string& o, uint16_t v) { o.push_back(char(v >> 8)); o.push_back(char(v & 0xff)); }
void be32(std::string& o, uint32_t v) { be16(o, uint16_t(v >> 16)); be16(o, uint16_t(v & 0xffff)); }
void set_be16(std::string& o, size_t at, uint16_t v) { o[at] = char(v >> 8); o[at + 1] = char(v & 0xff); }
const uint8_t* u8(const std::string& s, size_t at = 0) { return reinterpret_cast<const uint8_t*>(s.data()) + at; }

// Locally administered MAC derived from the IP so that each host has a stable address.
void put_mac(std::string& o, const Ip& ip) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < (ip.v6 ? 16u : 4u); ++i) h = (h ^ ip.b[i]) * 16777619u;
  o.push_back(char(0x02));
  o.push_back(char(0x00));
  be32(o, h);
}
}  // namespace

std::string build_tcp_frame(const Endpoint& src, const Endpoint& dst, uint32_t seq, uint32_t ack, uint8_t flags,
                            uint16_t window, const std::string& payload, uint16_t ip_id, uint16_t mss) {
  if (src.ip.v6 != dst.ip.v6) throw std::invalid_argument("mixed IPv4/IPv6 endpoints");
  std::string tcp;
  const size_t tcp_hlen = mss ? 24 : 20;
  be16(tcp, src.port);
  be16(tcp, dst.port);
  be32(tcp, seq);
  be32(tcp, (flags & ACK) ? ack : 0);
  tcp.push_back(char((tcp_hlen / 4) << 4));
  tcp.push_back(char(flags));
  be16(tcp, window);
  be16(tcp, 0);  // checksum
  be16(tcp, 0);  // urgent
  if (mss) { tcp.push_back(2); tcp.push_back(4); be16(tcp, mss); }
  tcp += payload;
  const size_t tcp_len = tcp.size();
  if (tcp_len > 65535 - 40) throw std::invalid_argument("TCP segment too large");

  // pseudo-header checksum
  uint32_t acc = 0;
  std::string ph;
  const size_t alen = src.ip.v6 ? 16 : 4;
  ph.append(reinterpret_cast<const char*>(src.ip.b.data()), alen);
  ph.append(reinterpret_cast<const char*>(dst.ip.b.data()), alen);
  if (src.ip.v6) { be32(ph, uint32_t(tcp_len)); be32(ph, 6); }
  else { ph.push_back(0); ph.push_back(6); be16(ph, uint16_t(tcp_len)); }
  acc = csum_add(acc, u8(ph), ph.size());
  acc = csum_add(acc, u8(tcp), tcp.size());
  set_be16(tcp, 16, csum_fold(acc));

  std::string f;
  f.reserve(kEthLen + 40 + tcp.size());
  put_mac(f, dst.ip);
  put_mac(f, src.ip);
  be16(f, src.ip.v6 ? 0x86DD : 0x0800);
  if (!src.ip.v6) {
    const size_t ip_at = f.size();
    f.push_back(char(0x45));
    f.push_back(0);
    be16(f, uint16_t(20 + tcp_len));
    be16(f, ip_id);
    be16(f, 0x4000);  // DF
    f.push_back(64);
    f.push_back(6);
    be16(f, 0);
    f.append(reinterpret_cast<const char*>(src.ip.b.data()), 4);
    f.append(reinterpret_cast<const char*>(dst.ip.b.data()), 4);
    set_be16(f, ip_at + 10, csum_fold(csum_add(0, u8(f, ip_at), 20)));
  } else {
    be32(f, 0x60000000u);
    be16(f, uint16_t(tcp_len));
    f.push_back(6);
    f.push_back(64);
    f.append(reinterpret_cast<const char*>(src.ip.b.data()), 16);
    f.append(reinterpret_cast<const char*>(dst.ip.b.data()), 16);
  }
  f += tcp;
  return f;
}

// ---- capture writers -----------------------------------------------------------------------

CaptureWriter::CaptureWriter(const std::string& path) {
  f_ = std::fopen(path.c_str(), "wb");
  if (!f_) throw std::runtime_error("cannot open " + path + " for writing");
  std::setvbuf(f_, nullptr, _IOFBF, 1 << 20);
}

CaptureWriter::~CaptureWriter() {
  if (f_) std::fclose(f_);
}

void CaptureWriter::close() {
  if (f_ && std::fclose(f_) != 0) { f_ = nullptr; throw std::runtime_error("error closing capture file"); }
  f_ = nullptr;
}

void CaptureWriter::put(const void* p, size_t n) {
  if (std::fwrite(p, 1, n, f_) != n) throw std::runtime_error("short write to capture file");
  bytes_ += n;
}

namespace {
void le_append(std::string& o, uint64_t v, unsigned n) {
  for (unsigned i = 0; i < n; ++i) o.push_back(char((v >> (8 * i)) & 0xff));
}
}  // namespace

PcapWriter::PcapWriter(const std::string& path) : CaptureWriter(path) {
  std::string h;
  le_append(h, 0xa1b23c4d, 4);  // nanosecond-resolution magic
  le_append(h, 2, 2);
  le_append(h, 4, 2);
  le_append(h, 0, 4);  // thiszone
  le_append(h, 0, 4);  // sigfigs
  le_append(h, kSnaplen, 4);
  le_append(h, 1, 4);  // LINKTYPE_ETHERNET
  put(h.data(), h.size());
}

void PcapWriter::write(uint64_t ts_ns, const std::string& frame) {
  std::string r;
  le_append(r, ts_ns / 1000000000ULL, 4);
  le_append(r, ts_ns % 1000000000ULL, 4);
  le_append(r, frame.size(), 4);
  le_append(r, frame.size(), 4);
  put(r.data(), r.size());
  put(frame.data(), frame.size());
  ++frames_;
}

PcapngWriter::PcapngWriter(const std::string& path, const std::string& if_name) : CaptureWriter(path) {
  auto option = [](std::string& o, uint16_t code, const std::string& val) {
    le_append(o, code, 2);
    le_append(o, val.size(), 2);
    o += val;
    while (o.size() % 4) o.push_back(0);
  };
  // Section Header Block
  std::string opts;
  option(opts, 4, "msc-synth (moneroscope synthetic corpus)");  // shb_userappl
  le_append(opts, 0, 4);                                        // opt_endofopt
  std::string shb;
  le_append(shb, 0x0A0D0D0A, 4);
  le_append(shb, 28 + opts.size(), 4);
  le_append(shb, 0x1A2B3C4D, 4);
  le_append(shb, 1, 2);
  le_append(shb, 0, 2);
  le_append(shb, UINT64_MAX, 8);  // section length unknown
  shb += opts;
  le_append(shb, 28 + opts.size(), 4);
  put(shb.data(), shb.size());
  // Interface Description Block
  std::string iopts;
  option(iopts, 2, if_name);                   // if_name
  option(iopts, 9, std::string(1, char(9)));   // if_tsresol = 10^-9
  le_append(iopts, 0, 4);
  std::string idb;
  le_append(idb, 1, 4);
  le_append(idb, 20 + iopts.size(), 4);
  le_append(idb, 1, 2);  // LINKTYPE_ETHERNET
  le_append(idb, 0, 2);
  le_append(idb, kSnaplen, 4);
  idb += iopts;
  le_append(idb, 20 + iopts.size(), 4);
  put(idb.data(), idb.size());
}

void PcapngWriter::write(uint64_t ts_ns, const std::string& frame) {
  const size_t pad = (4 - frame.size() % 4) % 4;
  const uint32_t total = static_cast<uint32_t>(32 + frame.size() + pad);
  std::string b;
  le_append(b, 6, 4);
  le_append(b, total, 4);
  le_append(b, 0, 4);  // interface id
  le_append(b, ts_ns >> 32, 4);
  le_append(b, ts_ns & 0xffffffffULL, 4);
  le_append(b, frame.size(), 4);
  le_append(b, frame.size(), 4);
  put(b.data(), b.size());
  put(frame.data(), frame.size());
  static const char zeros[4] = {0, 0, 0, 0};
  put(zeros, pad);
  std::string t;
  le_append(t, total, 4);
  put(t.data(), t.size());
  ++frames_;
}

}  // namespace msc::synth
