// lexgate lexer. English and Chinese keywords are alternatives of the same token, here and only here;
// everything after the parser is language-neutral. Full-width punctuation (，：（）“”「」) is read as its
// ASCII twin. A Chinese keyword glued to the following letters (当出口方) lexes as one identifier: the
// parser's error listener recognises that shape and says "put a space after it" (LG1004).
lexer grammar LexgateLexer;

// ---- hard keywords (never identifiers) ----
RULESET   : 'ruleset' | '规则集' ;
RULE      : 'rule' | '规则' ;
WHEN      : 'when' | '当' ;
THEN      : 'then' | '则' ;
MUST_NOT  : 'must_not' | '不得' ;
MUST      : 'must' | '必须' ;
SHOULD    : 'should' | '应' ;
MAY       : 'may' | '可以' ;
EXEMPT    : 'exempt' | '豁免' ;
EXCEPTION : 'exception' | '例外' ;
AND       : 'and' | '且' | '并且' ;
OR        : 'or' | '或' | '或者' ;
NOT       : 'not' | '非' ;
IN        : 'in' | '属于' ;
TRUE      : 'true' | '真' ;
FALSE     : 'false' | '假' ;
NULL_KW   : 'null' ;
SOME      : 'some' | '存在' ;
TEST      : 'test' | '测试' ;
EXPECT    : 'expect' | '期望' ;
SCHEMA    : 'schema' | '模式' ;
RECORD    : 'record' | '记录' ;
ENUM      : 'enum' | '枚举' ;
GROUP     : 'group' | '组' ;
CALENDAR  : 'calendar' | '日历' ;
JURISDICTION_KW : 'jurisdiction' | '法域' ;

// ---- soft keywords (also usable as identifiers, see `ident` in the parser) ----
TITLE     : 'title' | '标题' ;
AUTHORITY : 'authority' | '机关' ;
FORCE     : 'force' | '效力' ;
EFFECTIVE : 'effective' | '生效' ;
EXPIRES   : 'expires' | '失效' ;
BINDING   : 'binding' | '约束力' ;
SOURCE    : 'source' | '来源' ;
VERSION   : 'version' | '版本' ;
APPLIES   : 'applies' | '适用' ;
TO        : 'to' | '于' ;
WHERE     : 'where' | '其中' ;
CITE      : 'cite' | '引用' ;
ART       : 'art' | '条' ;
PARA      : 'para' | '款' ;
ITEM      : 'item' | '项' ;
ONE_OF    : 'one_of' | '之一' ;
ALL_OF    : 'all_of' | '全部' ;
BEFORE    : 'before' | '之前' ;
WITHIN    : 'within' | '以内' ;
AFTER     : 'after' | '之后' ;
SATISFIED : 'satisfied' | '满足' ;
SAYS      : 'says' | '表述' ;
SINCE     : 'since' | '自从' ;
LAST      : 'last' | '过去' ;
CASE      : 'case' | '案例' ;
AS_OF     : 'as_of' | '截至' ;
FIRES     : 'fires' | '触发' ;
REQUIRES  : 'requires' | '要求' ;
MISSING   : 'missing' | '缺少' ;
EXEMPTED  : 'exempted' | '已豁免' ;
DUE       : 'due' | '到期' ;
ACTION    : 'action' | '行为' ;
EVENT     : 'event' | '事件' ;
LIST      : 'list' | '列表' ;
OF        : 'of' | '的' ;
NAME      : 'name' | '名称' ;
FROM      : 'from' | '自' ;
UNTIL     : 'until' | '直至' ;
NOTE      : 'note' | '备注' ;
WEEKEND   : 'weekend' | '周末' ;
YEAR      : 'year' | '年度' ;
NOTICE    : 'notice' | '通知' ;
HOLIDAY   : 'holiday' | '假日' ;
WORKDAY   : 'workday' | '调休上班' ;
CALENDAR_REF : 'counted_on' | '日历为' ;
WITH      : 'with' | '参数' ;
ZONE      : 'zone' | '时区' ;
UNADJUSTED : 'unadjusted' | '不顺延' ;
WORKING_DAYS : 'working_days' | '工作日' ;
DAYS      : 'days' | '日' ;
MONTHS    : 'months' | '个月' ;
YEARS     : 'years' | '年' ;

// ---- literals ----
DATE      : DIGIT DIGIT DIGIT DIGIT '-' DIGIT DIGIT '-' DIGIT DIGIT ;
DECIMAL   : DIGITS '.' DIGIT+ ;
INT       : DIGITS ;
// Any backslash pair lexes inside a string; the parser checks that it is a known escape (LG1008).
STRING    : '"' ( ANY_ESC | ~["\\\r\n] )* '"'
          | '\u201C' ( ANY_ESC | ~[\u201D\\\r\n] )* '\u201D'
          | '\u300C' ( ANY_ESC | ~[\u300D\\\r\n] )* '\u300D' ;
UNTERMINATED_STRING : ( '"' | '\u201C' | '\u300C' ) ( ANY_ESC | ~["\u201D\u300D\\\r\n] )* ;
JCODE     : UPPER UPPER '-' [A-Z0-9]+ ;
// \u0001 stands for "a letter no other token mentions": the parser's input stream folds such letters
// (most CJK text) onto it so that the lexer's DFA cache, which only covers code points below 128, applies
// to them too (see FoldingInputStream in engine/src/syntax/parse.cc). A raw \u0001 in a file is never
// read as a letter.
IDENT     : [\p{L}_\u0001] [\p{L}\p{N}_\u0001]* ;

// ---- punctuation (full-width twins accepted) ----
LBRACE : '{' | '\uFF5B' ;
RBRACE : '}' | '\uFF5D' ;
LPAREN : '(' | '\uFF08' ;
RPAREN : ')' | '\uFF09' ;
LBRACK : '[' | '\u3010' ;
RBRACK : ']' | '\u3011' ;
COMMA  : ',' | '\uFF0C' | '\u3001' ;
COLON  : ':' | '\uFF1A' ;
DOT    : '.' ;
SLASH  : '/' ;
PERCENT: '%' | '\uFF05' ;
EQ     : '==' ;
NE     : '!=' ;
LE     : '<=' ;
GE     : '>=' ;
LT     : '<' ;
GT     : '>' ;
ASSIGN : '=' ;
PLUS   : '+' ;
MINUS  : '-' ;
DOTDOT : '..' ;

COMMENT : '#' ~[\r\n]* -> channel(HIDDEN) ;
WS      : [ \t\r\n\u3000\uFEFF]+ -> channel(HIDDEN) ;
BAD_CHAR : . ;

fragment DIGIT  : [0-9] ;
fragment DIGITS : DIGIT ( '_'? DIGIT )* ;
fragment UPPER  : [A-Z] ;
fragment ANY_ESC : '\\' ~[\r\n] ;
fragment ESC    : '\\' ( ["\\/nrt] | '\u201D' | '\u300D' | 'u' HEX HEX HEX HEX ) ;
fragment HEX    : [0-9a-fA-F] ;
