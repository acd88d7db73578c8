// Ethernet/IPv4/IPv6/TCP frame builder with correct checksums, and pcap / pcapng writers.
#pragma once
#include <array>
#include <cstdint>
#include <cstdio>
#include <string>

namespace msc::synth {

struct Ip {
  bool v6 = false;
  std::array<uint8_t, 16> b{};  // IPv4 in b[0..3]
  static Ip parse(const std::string& s);  // throws std::invalid_argument
  std::string str() const;                // dotted quad / RFC 5952
  bool operator==(const Ip& o) const { return v6 == o.v6 && b == o.b; }
  bool operator<(const Ip& o) const { return v6 != o.v6 ? v6 < o.v6 : b < o.b; }
};

struct Endpoint {
  Ip ip;
  uint16_t port = 0;
};

enum TcpFlag : uint8_t { FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10 };

// RFC 1071 one's-complement sum (not yet complemented) over data, continuing `acc`.
uint32_t csum_add(uint32_t acc, const uint8_t* p, size_t n);
uint16_t csum_fold(uint32_t acc);  // fold + complement

// Builds Ethernet + IP + TCP (+ MSS option when mss != 0) + payload with valid checksums.
std::string build_tcp_frame(const Endpoint& src, const Endpoint& dst, uint32_t seq, uint32_t ack, uint8_t flags,
                            uint16_t window, const std::string& payload, uint16_t ip_id, uint16_t mss = 0);
constexpr size_t kEthLen = 14;

class CaptureWriter {
 public:
  virtual ~CaptureWriter();
  virtual void write(uint64_t ts_ns, const std::string& frame) = 0;
  uint64_t frames() const { return frames_; }
  uint64_t bytes() const { return bytes_; }
  void close();

 protected:
  explicit CaptureWriter(const std::string& path);
  void put(const void* p, size_t n);
  FILE* f_ = nullptr;
  uint64_t frames_ = 0, bytes_ = 0;
};

// Classic pcap, nanosecond magic (0xa1b23c4d), LINKTYPE_ETHERNET.
class PcapWriter : public CaptureWriter {
 public:
  explicit PcapWriter(const std::string& path);
  void write(uint64_t ts_ns, const std::string& frame) override;
};

// pcapng: SHB + one IDB (if_tsresol = 9, nanoseconds) + EPBs.
class PcapngWriter : public CaptureWriter {
 public:
  PcapngWriter(const std::string& path, const std::string& if_name);
  void write(uint64_t ts_ns, const std::string& frame) override;
};

constexpr uint32_t kSnaplen = 262144;

}  // namespace msc::synth
