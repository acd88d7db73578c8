// Splits a byte stream into lines with a length cap, holding at most one line (used by
// EkIngest::read_stream for files/stdin and by `run` for tshark's pipe).
//
// A line that lies inside one chunk is handed over in place (a view into the chunk); only a line
// that spans chunks is copied. A line longer than the cap is never held: from the byte that
// crosses the cap on, the splitter is skipping(). In Skip mode the line is reported once, with
// its length, when its newline or the end of the stream arrives, and splitting goes on; in Stop
// mode the splitter stops right there (nothing after the cap is delivered, skipping() stays true)
// so that the caller can abandon the stream.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace msc {

class LineSplitter {
public:
    enum class Overlong { Skip, Stop };
    explicit LineSplitter(size_t max_line, Overlong mode = Overlong::Skip)
        : max_(max_line ? max_line : 1), mode_(mode) {}

    // on_line(std::string_view line) without the '\n'; on_overlong(uint64_t bytes).
    template <class OnLine, class OnOverlong>
    void feed(std::string_view chunk, OnLine&& on_line, OnOverlong&& on_overlong) {
        if (mode_ == Overlong::Stop && skipping_) return;
        const char* p = chunk.data();
        const char* const e = p + chunk.size();
        while (p < e) {
            const char* nl = static_cast<const char*>(std::memchr(p, '\n', size_t(e - p)));
            const char* stop = nl ? nl : e;
            const size_t piece = size_t(stop - p);
            if (skipping_) {
                skipped_ += piece;
            } else if (pending_.size() + piece > max_) {
                skipping_ = true;
                skipped_ = pending_.size() + piece;
                std::string().swap(pending_);   // release the memory now
                if (mode_ == Overlong::Stop) return;
            } else if (nl && pending_.empty()) {
                on_line(std::string_view(p, piece));
            } else {
                pending_.append(p, piece);
                if (nl) {
                    on_line(std::string_view(pending_));
                    pending_.clear();
                }
            }
            if (nl && skipping_) end_skip(on_overlong);
            p = nl ? nl + 1 : e;
        }
    }

    // End of the stream: the last line if it had no newline.
    template <class OnLine, class OnOverlong>
    void finish(OnLine&& on_line, OnOverlong&& on_overlong) {
        if (skipping_) end_skip(on_overlong);
        else if (!pending_.empty()) on_line(std::string_view(pending_));
        pending_.clear();
    }

    bool skipping() const { return skipping_; }
    size_t max_line() const { return max_; }

private:
    template <class OnOverlong>
    void end_skip(OnOverlong&& on_overlong) {
        const uint64_t n = skipped_;
        skipping_ = false;
        skipped_ = 0;
        on_overlong(n);
    }

    size_t max_;
    Overlong mode_;
    std::string pending_;
    bool skipping_ = false;
    uint64_t skipped_ = 0;
};

} // namespace msc
