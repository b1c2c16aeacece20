// ledger_check: compares what a reliability run produced with what it consumed.
//
//   ledger_check --produced FILE... --consumed FILE... [--max-duplicates N]
//                [--max-segment-duplicates N] [--examples N]
//
// Prints the figures as name=value lines on stdout (see support/ledger.hpp for what each
// counts) and the first violations on stderr. Every --consumed file, and every "# run" line
// in one, starts a segment (one consumer process). Exit 0 when nothing was lost, reordered,
// corrupted, unexpected, split or left unanswered and duplicates stay within the bounds
// given; 1 otherwise; 2 on a usage error or a malformed ledger.

#include <fstream>
#include <iostream>

#include "reliability/options.hpp"
#include "support/ledger.hpp"

using namespace kafka_actors;
namespace ledger = kafka_actors::test::ledger;

namespace {

bool read(const std::string& path, bool consumed_file, ledger::checker& c) {
  std::ifstream in{path};
  if (!in) {
    std::cerr << "ledger_check: cannot read '" << path << "'\n";
    return false;
  }
  if (consumed_file)
    c.next_segment();
  std::string text;
  size_t n = 0;
  while (std::getline(in, text)) {
    ++n;
    std::string why;
    auto l = ledger::parse(text, &why);
    if (!l) {
      std::cerr << "ledger_check: " << path << ":" << n << ": " << why << "\n";
      return false;
    }
    if (l->segment_start && consumed_file)
      c.next_segment();
    if (l->p && !consumed_file) {
      c.add(*l->p);
    } else if (l->c && consumed_file) {
      c.add(*l->c);
    } else if (l->p || l->c) {
      std::cerr << "ledger_check: " << path << ":" << n << ": a "
                << (l->p ? "produced" : "consumed") << " record in a "
                << (consumed_file ? "consumed" : "produced") << " ledger\n";
      return false;
    }
  }
  return true;
}

} // namespace

int main(int argc, char** argv) {
  try {
    reliability::options o{argc, argv, {}, {"--produced", "--consumed", "--max-duplicates",
                                             "--max-segment-duplicates", "--examples"}};
    auto produced = o.all("--produced");
    auto consumed = o.all("--consumed");
    if (produced.empty() || consumed.empty())
      throw std::invalid_argument("needs --produced FILE and --consumed FILE");
    ledger::checker c;
    for (auto& f : produced)
      if (!read(f, false, c))
        return 2;
    for (auto& f : consumed)
      if (!read(f, true, c))
        return 2;
    auto r = c.check(static_cast<size_t>(o.num("--examples", 10)));
    std::cout << ledger::to_figures(r) << std::flush;
    for (auto& e : r.examples)
      std::cerr << "ledger_check: " << e << "\n";
    bool ok = r.clean();
    auto max_dups = o.num("--max-duplicates", -1);
    if (max_dups >= 0 && r.duplicated > static_cast<uint64_t>(max_dups)) {
      std::cerr << "ledger_check: " << r.duplicated << " duplicates, more than " << max_dups
                << "\n";
      ok = false;
    }
    auto max_seg = o.num("--max-segment-duplicates", -1);
    if (max_seg >= 0 && r.max_segment_duplicates > static_cast<uint64_t>(max_seg)) {
      std::cerr << "ledger_check: one segment re-read " << r.max_segment_duplicates
                << " records, more than " << max_seg << "\n";
      ok = false;
    }
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "ledger_check: " << e.what() << "\n";
    return 2;
  }
}
