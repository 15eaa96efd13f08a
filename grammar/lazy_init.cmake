# Run after the ANTLR tool (cmake -P, with FILE and CLASS set): ANTLR 4.9's C++ target deserializes the
# grammar's ATN in a static initializer, at the start of every process that links the parser — about
# 4 ms of a `lexgate check` that a compiled-rules cache hit never parses (issue 12). This moves the
# Initializer into the class's constructor as a function-local static (run once, thread-safe, on the
# first lexer or parser built). If the generated text is not the expected one, it is left unchanged.
file(READ ${FILE} text)
set(static_init "${CLASS}::Initializer ${CLASS}::_init;")
string(REGEX MATCH "${CLASS}::${CLASS}\\([A-Za-z]+Stream \\*input\\) : [A-Za-z]+\\(input\\) {" ctor "${text}")
string(FIND "${text}" "${static_init}" at)
if(ctor AND NOT at EQUAL -1)
  string(REPLACE "${static_init}" "// ${static_init} (moved into the constructor)" text "${text}")
  string(REPLACE "${ctor}" "${ctor}\n  static Initializer lazy_init;  // deserializes the ATN once, on first use" text "${text}")
  file(WRITE ${FILE} "${text}")
else()
  message(STATUS "lexgate: ${FILE} not as expected; its ATN is deserialized at start-up")
endif()
