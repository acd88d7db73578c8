// levin_core: Wireshark-free decoding core for Monero's Levin protocol and epee portable storage.
//
// Everything here is a pure function or a small self-contained state machine over caller-owned
// byte buffers: no GLib, no Wireshark, no exceptions thrown to the caller, no allocation
// proportional to a length *claimed* by the input (only to bytes actually present).
// Spec references (§) point to /work/shared/docs/levin-protocol.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace levin {

// ---------------------------------------------------------------------------------------------
// §1 Levin bucket header
// ---------------------------------------------------------------------------------------------
constexpr uint64_t kSignature = 0x0101010101012101ULL;  // read as u64 little-endian
constexpr uint8_t kSignatureBytes[8] = {0x01, 0x21, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01};
constexpr size_t kHeaderSize = 33;
constexpr uint64_t kMaxMessageLength = 100000000;    // LEVIN_DEFAULT_MAX_PACKET_SIZE (§1.4)
constexpr uint64_t kPreHandshakeLimit = 262144;      // LEVIN_INITIAL_MAX_PACKET_SIZE (§1.4)
constexpr uint32_t kProtocolVersion = 1;

enum Flag : uint32_t {
  kFlagRequest = 0x01,   // Q
  kFlagResponse = 0x02,  // S
  kFlagBegin = 0x04,     // B
  kFlagEnd = 0x08,       // E
  kFlagReserved = 0xFFFFFFF0u,
};

// Values of monero.msg_type (docs/ek-contract.md §3).
enum class MsgType : uint8_t {
  Request = 0,
  Response = 1,
  Notification = 2,
  FragmentBegin = 3,
  FragmentMiddle = 4,
  FragmentEnd = 5,
  Dummy = 6,
  Invalid = 7,
};

struct Header {
  uint64_t signature = 0;
  uint64_t length = 0;      // m_cb
  uint8_t expect_raw = 0;   // byte 16 as on the wire
  uint32_t command = 0;
  int32_t return_code = 0;
  uint32_t flags = 0;
  uint32_t version = 0;
  bool have_to_return_data() const { return expect_raw != 0; }
};

// Deviations from what monerod writes (bit set).
enum HeaderIssue : uint32_t {
  kIssueBadSignature = 1u << 0,
  kIssueBadVersion = 1u << 1,
  kIssueReservedFlags = 1u << 2,     // any of 0xFFFFFFF0
  kIssueFlagCombination = 1u << 3,   // Q+S, or B/E together with Q/S
  kIssueOversize = 1u << 4,          // m_cb > 100 MB
  kIssueCommandLimit = 1u << 5,      // m_cb > per-command limit (§1.4)
  kIssueExpectMismatch = 1u << 6,    // expect byte set on a response/fragment/notification-class msg, or >1
  kIssueReturnCode = 1u << 7,        // rc != 0 on request/notification, or rc not in {1,-1,-4,-6} on response
};

// Parses 33 bytes; returns false if fewer than 33 bytes are available.
bool parse_header(const uint8_t* p, size_t n, Header& out);
// True if the first min(n,8) bytes match the signature prefix (n may be < 8).
bool signature_prefix_matches(const uint8_t* p, size_t n);
// Offset of the first full 8-byte signature at or after `from`, or SIZE_MAX.
size_t find_signature(const uint8_t* p, size_t n, size_t from = 0);
MsgType classify(const Header& h);
uint32_t header_issues(const Header& h);
// Per-command body limit of monerod (§1.4); 0 = no extra limit.
uint64_t command_limit(uint32_t command);
// "Handshake", "TimedSync", … or nullptr for unknown ids.
const char* command_name(uint32_t command);
const char* msg_type_name(MsgType t);
const char* return_code_name(int32_t rc);  // nullptr if unknown

// ---------------------------------------------------------------------------------------------
// §3.2 epee varint
// ---------------------------------------------------------------------------------------------
struct Varint {
  uint64_t value = 0;
  uint8_t width = 0;     // 1, 2, 4 or 8
  bool minimal = true;   // false if a narrower width could hold the value
};
// Returns false if the buffer is too short for the width announced by the first byte.
bool read_varint(const uint8_t* p, size_t n, Varint& out);
// Writes the minimal encoding (value must be < 2^62); returns the width (1..8), 0 if too large.
size_t write_varint(uint64_t value, uint8_t out[8]);
// Smallest width able to hold value.
uint8_t minimal_varint_width(uint64_t value);

// ---------------------------------------------------------------------------------------------
// §3 Portable-storage walker
// ---------------------------------------------------------------------------------------------
enum PsType : uint8_t {
  kPsInt64 = 1, kPsInt32 = 2, kPsInt16 = 3, kPsInt8 = 4,
  kPsUint64 = 5, kPsUint32 = 6, kPsUint16 = 7, kPsUint8 = 8,
  kPsDouble = 9, kPsString = 10, kPsBool = 11, kPsObject = 12, kPsArray = 13,
  kPsArrayFlag = 0x80,
};
const char* ps_type_name(uint8_t base_type);  // nullptr if unknown

constexpr uint8_t kPsMagic[9] = {0x01, 0x11, 0x01, 0x01, 0x01, 0x01, 0x02, 0x01, 0x01};

enum class DiagCode : uint8_t {
  // fatal: parsing stopped at `offset`
  Truncated,          // value/key/count runs past the end of the buffer
  BadMagic,           // first 8 bytes are not the portable-storage signature
  BadFormatVersion,   // byte 9 != 1
  UnknownType,        // type code 0 or 14..127 (detail = code)
  ArrayOfArrays,      // 0x8D: written by the generic writer, rejected by monerod's reader
  DepthLimit,         // nesting deeper than Limits::max_depth
  CountLimit,         // array count > remaining bytes / minimum element size (detail = count)
  ObjectLimit,        // > max_objects sections
  FieldLimit,         // > max_fields section entries
  StringLimit,        // > max_strings strings
  NodeLimit,          // > max_nodes tree nodes kept
  // non-fatal, monerod rejects the message
  BoolRange,          // bool byte not 0/1 (detail = value)
  DuplicateKey,       // same key twice in one section
  EmptyKey,           // key length 0
  // non-fatal, monerod accepts (fingerprints a non-monerod writer)
  UnsortedKeys,       // keys not in bytewise ascending order
  NonMinimalVarint,   // detail = width
  NestedArrayType13,  // plain type 13 wrapper (§3.4)
  TrailingNonzero,    // bytes after the root section that are not all zero (detail = count)
};
enum class DiagSeverity : uint8_t { Fatal, Reject, Note };
DiagSeverity diag_severity(DiagCode c);
const char* diag_name(DiagCode c);  // short stable name, e.g. "ps.unknown_type"

struct Diag {
  DiagCode code;
  uint32_t offset;   // byte offset in the buffer given to walk()
  uint64_t detail;
};

constexpr uint32_t kNoParent = 0xFFFFFFFFu;

// One entry (key + value) of a section, or one element of an array, in depth-first pre-order.
struct Node {
  uint32_t parent = kNoParent;  // index into WalkResult::nodes
  uint16_t depth = 0;           // 0 = entry of the root section
  bool is_element = false;      // array element (no key)
  bool complete = false;        // value fully parsed
  uint8_t type_byte = 0;        // raw type code (entries); for elements the array's base type
  uint8_t base_type = 0;        // type_byte & 0x7f, after unwrapping type 13
  bool is_array = false;
  uint32_t index = 0;           // element index for array elements
  uint32_t offset = 0;          // first byte (key length byte for entries)
  uint32_t length = 0;          // total bytes of entry/element
  uint32_t key_off = 0;
  uint8_t key_len = 0;
  uint32_t value_off = 0;       // scalars: the value bytes; strings: the raw string bytes;
  uint32_t value_len = 0;       //   objects/arrays: from the count varint to the end
  uint64_t count = 0;           // array element count or section entry count
  uint64_t u = 0;               // unsigned interpretation of integer/bool values
  int64_t i = 0;                // signed interpretation of integer values
  double d = 0;                 // double values
};

struct Limits {
  uint32_t max_depth = 32;       // nested sections/arrays (monerod accepts ~30 object levels, §3.5)
  uint32_t max_objects = 8192;   // monerod default_levin_limits
  uint32_t max_fields = 16384;
  uint32_t max_strings = 16384;
  uint32_t max_nodes = 200000;   // tree nodes kept (each is one present entry/element)
};

struct WalkResult {
  bool magic_ok = false;
  uint8_t format_version = 0;
  uint64_t root_count = 0;
  bool root_count_ok = false;
  uint32_t end_offset = 0;       // first byte after the root section (valid if no fatal diag)
  bool fatal = false;
  uint32_t fatal_offset = 0;
  std::vector<Node> nodes;
  std::vector<Diag> diags;
  uint32_t objects = 0, fields = 0, strings = 0;
  bool has(DiagCode c) const;
  // The whole buffer parsed and nothing monerod would reject.
  bool clean() const;
};

// Walks a portable-storage payload (9-byte magic + root section). Never throws.
WalkResult walk(const uint8_t* p, size_t n, const Limits& limits = Limits());

// Key of a node as std::string (empty for elements).
std::string node_key(const uint8_t* buf, const Node& n);

// ---------------------------------------------------------------------------------------------
// §4 schema + semantic extraction
// ---------------------------------------------------------------------------------------------
enum class Network : uint8_t { Unknown = 0, Mainnet = 1, Testnet = 2, Stagenet = 3 };
Network classify_network_id(const uint8_t* id16);
const char* network_name(Network n);

// Pruning seed helpers (§4.1 / PRU).
uint32_t pruning_stripe(uint32_t seed);
uint32_t pruning_log_stripes(uint32_t seed);
bool pruning_seed_valid(uint32_t seed);  // 0 or 384..391

std::string u128_to_decimal(uint64_t hi, uint64_t lo);

// Peer address formatting (§4.1; IPv4 wire bytes are the dotted quad in order).
std::string format_ipv4(const uint8_t b[4]);
std::string format_ipv6(const uint8_t b[16]);   // RFC 5952
std::string format_peer_addr(uint8_t type, const uint8_t* addr, size_t addr_len, uint16_t port);
// IPv4 from the little-endian u32 value of m_ip.
std::string format_ipv4_le(uint32_t v);

enum class Zone : uint8_t { Unknown = 0, Public = 1, I2p = 2, Tor = 3 };
Zone zone_of_type(uint8_t addr_type);

// Bits of monero.peer.keys (docs/ek-contract.md §3).
enum PeerKeyBit : uint16_t {
  kPeerHasId = 0x01, kPeerHasLastSeen = 0x02, kPeerHasPruningSeed = 0x04, kPeerHasRpcPort = 0x08,
  kPeerHasRpcCredits = 0x10, kPeerHasAdr = 0x20, kPeerHasUnknown = 0x40,
};

constexpr uint32_t kNone = 0xFFFFFFFFu;  // "no node"

struct PeerEntry {
  uint32_t node = kNone;          // the element node
  uint16_t keys = 0;              // PeerKeyBit mask
  uint8_t type = 0;               // adr.type (0 when missing/invalid)
  uint32_t type_node = kNone;
  uint32_t addr_node = kNone;     // m_ip (4 bytes), IPv6 addr (16 bytes) or host string
  uint32_t port_node = kNone;
  uint16_t port = 0;
  std::string addr;               // "a.b.c.d:port", "[v6]:port", "host:port" or "" if invalid
  uint32_t id_node = kNone, last_seen_node = kNone, pruning_seed_node = kNone,
           rpc_port_node = kNone, rpc_credits_node = kNone;
  uint64_t id = 0;
  int64_t last_seen = 0;
  uint32_t pruning_seed = 0;
  uint16_t rpc_port = 0;
  uint32_t rpc_credits = 0;
};

// Compact text of one peer-list entry for monero.peerlist.compact (docs/ek-contract.md §3a):
// "keys;type;addr;id;last_seen;pruning_seed;rpc_port;rpc_credits_per_hash", decimal numbers,
// an absent optional value is empty. No field can contain ';' or ' ' (addr is "a.b.c.d:port",
// "[v6]:port", "host:port" with host in [A-Za-z0-9._-], or empty), so entries are joined by ' '.
void append_peer_compact(std::string& out, const PeerEntry& p);

// One Levin message as one export string, monero.record (docs/ek-contract.md §3b):
// "key=value|key=value|…", where a key is the message field's ek key without its
// "monero_monero_" prefix (monero.node_data.peer_id -> node_data_peer_id) and a key may repeat.
// Values: unsigned/signed decimal integers, times "sec.nnnnnnnnn", booleans "1"/"0", text that the
// dissector produced itself (addresses, monero.peerlist.compact) verbatim, and peer-supplied text
// percent-encoded (every byte outside [A-Za-z0-9._~-] as %XX). No value contains '|' or '='.
class RecordWriter {
 public:
  void clear() { s_.clear(); }
  bool empty() const { return s_.empty(); }
  const std::string& str() const { return s_; }
  void add_uint(const char* key, uint64_t v);
  void add_int(const char* key, int64_t v);
  void add_bool(const char* key, bool v) { add_raw(key, v ? "1" : "0"); }
  // "[-]sec.nnnnnnnnn" (an nstime_t: both parts carry the same sign).
  void add_time(const char* key, int64_t secs, int32_t nsecs);
  // Text generated by the dissector that cannot contain '|' or '=' (checked: such bytes are
  // percent-encoded like add_text would).
  void add_raw(const char* key, const std::string& v) { add_raw(key, v.data(), v.size()); }
  void add_raw(const char* key, const char* v) { add_raw(key, v, std::strlen(v)); }
  void add_raw(const char* key, const char* v, size_t n);
  // Arbitrary bytes (peer-supplied strings), percent-encoded.
  void add_text(const char* key, const uint8_t* v, size_t n);

 private:
  void key(const char* k);
  std::string s_;
};

// Semantic roles of nodes (one per node; the dissector maps them to hf ids).
enum class Role : uint8_t {
  None = 0,
  NodeData, NodeMyPort, NodeNetworkId, NodePeerId, NodeRpcCredits, NodeRpcPort, NodeSupportFlags,
  NodeLocalTime,
  SyncData, SyncCumDiff, SyncCumDiffTop64, SyncHeight, SyncPruningSeed, SyncTopId, SyncTopVersion,
  PeerList, Peer, PeerAdr, PeerAddrObj, PeerType, PeerIp, PeerIpv6, PeerHost, PeerPort, PeerId,
  PeerLastSeen, PeerPruningSeed, PeerRpcPort, PeerRpcCredits,
  LegacyPeerList,
  PingStatus, PingPeerId, SupportFlags,
  CurrentHeight,
  BlockEntryObj, BlockBlob, BlockWeight, BlockPruned, BlockTxs, TxBlob, TxObj, TxPrunableHash,
  Txs, Padding, DandelionFluff,
  Hashes,             // N×32 blob (blocks, missed_ids, block_ids, m_block_ids, hashes)
  GetObjectsPrune, ChainPrune, ChainStartHeight, ChainTotalHeight, ChainCumDiff,
  ChainCumDiffTop64, ChainBlockWeights, ChainFirstBlock, FluffyBlockHash, FluffyMissingTxIndices,
  Unknown,            // key not in the schema of its context
};

enum class SchemaIssue : uint8_t {
  UnexpectedKey,        // node = the entry
  TypeMismatch,         // node = the entry; detail = expected base type
  LegacyField,          // local_time, local_peerlist, 2003/2004 txs, …
  LastSeenPresent,      // node = peer entry element
  ZoneMismatch,         // node = peer entry element (zone differs from first entry's zone)
  PeerListTooLong,      // node = the list; detail = count
  SupportFlagsMissing,  // 1001 node_data without support_flags; node = node_data
  SupportFlagsRedundant,// 1007 exchanged although flags were advertised (not detectable per message)
  AnonPeerIdOnClearnet, // node_data.peer_id == 1 together with public-zone peer-list entries
  BadHashListLength,    // N×32 / N×8 blob whose length is not a multiple
};
const char* schema_issue_name(SchemaIssue s);

struct SchemaDiag {
  SchemaIssue issue;
  uint32_t node;
  uint64_t detail;
};

struct BlockInfo {
  uint32_t node = kNone;       // block_complete_entry element/object
  uint32_t blob_len = 0;
  bool has_weight = false;
  uint64_t weight = 0;
  bool pruned = false;
  uint32_t tx_count = 0;
};

struct Semantic {
  std::vector<Role> roles;          // parallel to WalkResult::nodes
  std::vector<SchemaDiag> issues;
  // node_data
  bool has_node_data = false;
  uint32_t node_data_keys = 0;      // bit per NodeData role present (see Role order)
  bool has_support_flags = false, has_peer_id = false, has_my_port = false;
  uint64_t peer_id = 0;
  uint32_t my_port = 0, support_flags = 0;
  Network network = Network::Unknown;
  bool has_network_id = false;
  // sync data
  bool has_sync = false, has_height = false, has_cd = false, has_cd_top = false;
  uint64_t height = 0, cd = 0, cd_top = 0;
  // peer list
  bool has_peerlist = false;
  uint32_t peerlist_node = kNone;
  uint64_t peerlist_declared = 0;   // array count as declared
  std::vector<PeerEntry> peers;     // entries actually present (complete or partial)
  uint32_t last_seen_entries = 0;
  // ping / support flags
  bool has_ping_status = false;
  std::string ping_status;
  bool has_ping_peer_id = false;
  uint64_t ping_peer_id = 0;
  bool has_support_flags_resp = false;
  uint32_t support_flags_resp = 0;
  // notifications
  bool has_current_height = false;
  uint64_t current_height = 0;
  std::vector<BlockInfo> blocks;
  uint32_t tx_count = 0;            // 2002 txs elements
  uint64_t tx_bytes = 0;
  bool has_fluff_key = false;
  bool fluff = true;                // absent key => fluff (§4.3)
  bool has_padding = false;
  uint32_t padding_len = 0;
  uint32_t hash_count = 0;          // total N of N×32 blobs
  bool has_start_height = false, has_total_height = false;
  uint64_t start_height = 0, total_height = 0;
  uint32_t missing_tx_count = 0;
  uint32_t block_weight_count = 0;
};

// Interprets a walked payload as the body of `command` (request/notification or response).
Semantic interpret(const uint8_t* buf, const WalkResult& w, uint32_t command, bool response);

// ---------------------------------------------------------------------------------------------
// §2.3 Levin fragment reassembly state machine (one per connection direction)
// ---------------------------------------------------------------------------------------------
class FragmentReassembler {
 public:
  enum class Event : uint8_t {
    NotFragment,   // Q or S set: ordinary message, state untouched
    Dummy,         // B+E without Q/S: dropped, state untouched
    Started,       // B: buffer cleared, body appended
    Appended,      // no B/E: appended to the message in progress
    Completed,     // E: message complete (inner header + body in message())
    Overflow,      // buffered bytes would exceed the cap: reassembly abandoned
    TooShort,      // E but fewer than 33 bytes buffered: dropped (monerod drops the connection)
  };
  struct Result {
    Event event = Event::NotFragment;
    uint32_t message_id = 0;     // 1-based id of the reassembly this fragment belongs to (0: none)
    uint32_t fragment_index = 0; // 0-based position inside that reassembly
    bool orphan = false;         // appended/ended without a preceding begin (monerod accepts)
  };
  // store_data=false tracks state only (the Wireshark dissector keeps the bytes itself).
  explicit FragmentReassembler(size_t max_bytes = kMaxMessageLength, bool store_data = true);
  Result feed(uint32_t flags, const uint8_t* body, size_t len);
  // After Completed: the reassembled inner message (inner header + everything after it).
  const std::vector<uint8_t>& message() const { return done_; }
  size_t buffered() const { return buffered_; }
  bool in_progress() const { return active_; }

 private:
  size_t max_bytes_;
  bool store_;
  bool active_ = false;
  bool orphan_ = false;
  size_t buffered_ = 0;
  uint32_t next_id_ = 1, cur_id_ = 0, cur_index_ = 0;
  std::vector<uint8_t> buf_, done_;
};

}  // namespace levin
