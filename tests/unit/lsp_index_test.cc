// The language server's engine side (engine/src/lsp): UTF-16 positions, the name index across files
// (rules, groups, jurisdictions, fields, records, `some` variables) and hover text.
#include <gtest/gtest.h>

#include "lsp/index.h"

namespace lexgate::lsp {
namespace {

TEST(LspPosition, Utf16ColumnsAndBack) {
  const std::string text = "a\xF0\xA0\x80\x80" "b\n\xE6\x95\xB0\xE6\x8D\xAE" "x\n";  // a𠀀b / 数据x
  EXPECT_EQ(ToPosition(text, 5).line, 0u);
  EXPECT_EQ(ToPosition(text, 5).character, 3u);  // 𠀀 is a surrogate pair: two UTF-16 units
  EXPECT_EQ(ToPosition(text, 13).line, 1u);
  EXPECT_EQ(ToPosition(text, 13).character, 2u);
  EXPECT_EQ(ToByte(text, {0, 3}), 5u);
  EXPECT_EQ(ToByte(text, {1, 2}), 13u);
  EXPECT_EQ(ToByte(text, {1, 99}), 14u);  // past the end of a line: its end
  EXPECT_EQ(ToByte(text, {9, 0}), text.size());
  EXPECT_EQ(ToPosition(text, 999).line, 2u);
}

const char* kVocab =
    "record widget { size: count   # units\n}\n"
    "schema { gadget: widget, items: list of widget, place: jurisdiction }\n"
    "jurisdiction XA name en \"Example land\"\n"
    "group G1 name en \"Group one\" { XA from 2020-01-01 }\n";
const char* kRules =
    "ruleset t.one {\n  title en \"One Act\"\n  jurisdiction XA\n}\n"
    "rule r1 { cite art 3 when gadget.size > 1 and place in G1 then must act }\n"
    "rule \xE8\xA7\x84\xE5\x88\x99\xE4\xBA\x8C exception to r1 { cite art 4 when some s in items where s.size > 2 then exempt }\n"
    "test \"t\" { case { } expect fires r1 }\n";

struct LspIndex : ::testing::Test {
  std::unique_ptr<Workspace> ws = Workspace::Analyze({{"vocab.gate", kVocab}, {"rules.gate", kRules}});
  uint32_t rules = ws->FileId("rules.gate");
  const Symbol* At(const std::string& needle, int nth = 0) {
    std::string text = kRules;
    size_t at = std::string::npos;
    for (int i = 0; i <= nth; ++i) at = text.find(needle, at == std::string::npos ? 0 : at + 1);
    const Occurrence* o = ws->At(rules, static_cast<uint32_t>(at));
    return o ? &ws->symbols()[o->symbol] : nullptr;
  }
};

TEST_F(LspIndex, ResolvesNamesAcrossFiles) {
  ASSERT_NE(rules, 0u);
  const Symbol* s = At("size");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->kind, SymbolKind::Field);
  EXPECT_EQ(s->key, "widget.size");
  EXPECT_EQ(ws->sources().Get(s->name.file).path, "vocab.gate");
  EXPECT_EQ(s->name.line, 1u);
  s = At("gadget");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->key, ".gadget");
  s = At("G1");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->kind, SymbolKind::Group);
  s = At("XA");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->kind, SymbolKind::Jurisdiction);
  ASSERT_NE(At("size", 1), nullptr);
  EXPECT_EQ(At("size", 1)->key, "widget.size");
  EXPECT_EQ(At("r1", 1)->key, "t.one/r1");  // exception to r1
  EXPECT_EQ(At("r1", 2)->key, "t.one/r1");  // expect fires r1
  EXPECT_EQ(At("r1", 1)->name.line, 5u);
  EXPECT_EQ(At("act"), nullptr);  // no action `act` is declared: nothing to go to
}

TEST_F(LspIndex, HoverTellsCitationRulesetAndMembers) {
  i18n::Localizer en("en");
  std::string h = ws->Hover(*At("r1", 1), en);
  EXPECT_NE(h.find("One Act art 3"), std::string::npos) << h;
  EXPECT_NE(h.find("t.one"), std::string::npos) << h;
  EXPECT_NE(h.find("binding"), std::string::npos) << h;
  EXPECT_NE(h.find("must"), std::string::npos) << h;
  h = ws->Hover(*At("G1"), en);
  EXPECT_NE(h.find("Group one"), std::string::npos) << h;
  EXPECT_NE(h.find("1 member"), std::string::npos) << h;
  EXPECT_NE(h.find("`XA`"), std::string::npos) << h;
  h = ws->Hover(*At("size"), en);
  EXPECT_NE(h.find("`count`"), std::string::npos) << h;
  EXPECT_NE(h.find("units"), std::string::npos) << h;
  i18n::Localizer zh("zh_CN");
  h = ws->Hover(*At("r1", 1), zh);
  EXPECT_NE(h.find("\xE7\xAC\xAC" "3"), std::string::npos) << h;  // 第3条
}

TEST_F(LspIndex, DiagnosticsComeFromTheRealPipeline) {
  bool unknown_action = false;
  for (const auto& d : ws->diagnostics()) unknown_action |= d.code == diag::Code::LG2004;  // unknown action `act`
  EXPECT_TRUE(unknown_action);
}

}  // namespace
}  // namespace lexgate::lsp
