// lexgate parser. One grammar for .gate files: rulesets and rules, schema, jurisdictions and groups,
// calendars and in-language tests may all appear in any file; the checker decides what is allowed where.
parser grammar LexgateParser;
options { tokenVocab = LexgateLexer; }

file : item* EOF ;

item
  : rulesetDecl
  | ruleDecl
  | testDecl
  | schemaDecl
  | recordDecl
  | enumDecl
  | actionDecl
  | eventDecl
  | jurisdictionDecl
  | groupDecl
  | calendarDecl
  ;

// ---------------------------------------------------------------- rulesets
rulesetDecl : RULESET qname LBRACE rulesetField* RBRACE ;

rulesetField
  : TITLE localisedText+                                  # rsTitle
  | AUTHORITY qname                                       # rsAuthority
  | JURISDICTION_KW jurisdictionRef                       # rsJurisdiction
  | FORCE ident                                           # rsForce
  | EFFECTIVE DATE                                        # rsEffective
  | EXPIRES DATE                                          # rsExpires
  | BINDING (TRUE | FALSE)                                # rsBinding
  | SOURCE STRING                                         # rsSource
  | VERSION STRING                                        # rsVersion
  | CALENDAR_REF ident                                    # rsCalendar
  | APPLIES TO ident (WHERE expr)?                        # rsApplies
  ;

localisedText : ident STRING ;

// ---------------------------------------------------------------- rules
ruleDecl : RULE ident (EXCEPTION TO ruleRef (COMMA ruleRef)*)? LBRACE ruleClause* RBRACE ;

ruleClause
  : CITE STRING? citePart+                                # clCite
  | CITE STRING                                           # clCiteInstrumentOnly
  | WHEN expr                                             # clWhen
  | THEN consequence                                      # clThen
  | SATISFIED WHEN expr                                   # clSatisfied
  | SAYS localisedText+                                   # clSays
  | WITH messageArg (COMMA messageArg)*                   # clWith
  ;

messageArg : ident ASSIGN expr ;

citePart : (ART | PARA | ITEM) citeNumber ;
citeNumber : INT | IDENT | DECIMAL ;

consequence
  : modality actionSpec timing*                           # cqModal
  | EXEMPT                                                # cqExempt
  ;

modality : MUST | MUST_NOT | SHOULD | MAY ;

actionSpec
  : ident                                                 # actSingle
  | ONE_OF LBRACE ident (COMMA ident)* COMMA? RBRACE       # actOneOf
  | ALL_OF LBRACE ident (COMMA ident)* COMMA? RBRACE      # actAllOf
  ;

timing
  : BEFORE anchor                                         # tmBefore
  | BEFORE anchor MINUS duration                          # tmBeforeMinus
  | WITHIN duration AFTER anchor UNADJUSTED?              # tmWithin
  ;

anchor : path ;
duration : INT unit ;
unit : WORKING_DAYS | DAYS | MONTHS | YEARS ;

ruleRef : qname (SLASH ident)? ;

// ---------------------------------------------------------------- expressions
expr
  : orExpr
  ;
orExpr  : andExpr (OR andExpr)* ;
andExpr : notExpr (AND notExpr)* ;
notExpr : NOT notExpr | cmpExpr ;
cmpExpr
  : addExpr ( cmpOp addExpr | NOT? IN addExpr )?
  ;
cmpOp : EQ | NE | LT | LE | GT | GE ;
addExpr : unaryExpr ((PLUS | MINUS) unaryExpr)* ;
unaryExpr : MINUS unaryExpr | primary ;

primary
  : LPAREN expr RPAREN                                    # pParen
  | SOME ident IN path WHERE notExpr                       # pSome
  | ident LPAREN (arg (COMMA arg)*)? RPAREN               # pCall
  | LBRACE (setElem (COMMA setElem)*)? COMMA? RBRACE      # pSet
  | literal                                               # pLiteral
  | path                                                  # pPath
  ;

arg
  : SINCE ident                                           # argSince
  | LAST duration                                         # argLast
  | expr                                                  # argExpr
  ;

setElem : literal | path ;

literal
  : INT PERCENT?                                          # litInt
  | DECIMAL PERCENT?                                      # litDecimal
  | STRING                                                # litString
  | DATE                                                  # litDate
  | (TRUE | FALSE)                                        # litBool
  | JCODE                                                 # litJurisdiction
  | duration                                              # litDuration
  ;

path : ident (DOT ident)* ;
qname : ident (DOT ident)* ;

jurisdictionRef : JCODE | ident ;

// ---------------------------------------------------------------- tests
testDecl : TEST STRING LBRACE testClause* RBRACE ;

testClause
  : AS_OF DATE                                            # tcAsOf
  | CASE object                                           # tcCase
  | EXPECT expectation                                    # tcExpect
  ;

expectation
  : ident                                                 # exVerdict
  | REQUIRES ident                                        # exRequires
  | NOT REQUIRES ident                                    # exNotRequires
  | FIRES ruleRef                                         # exFires
  | NOT FIRES ruleRef                                     # exNotFires
  | EXEMPTED ruleRef                                      # exExempted
  | MISSING path                                          # exMissing
  | DUE ident DATE                                        # exDue
  ;

object : LBRACE (member (COMMA? member)*)? COMMA? RBRACE ;
member : ident COLON value ;
value
  : object                                                # vObject
  | LBRACK (value (COMMA value)*)? COMMA? RBRACK          # vList
  | MINUS? INT                                            # vInt
  | MINUS? DECIMAL                                        # vDecimal
  | STRING                                                # vString
  | DATE                                                  # vDate
  | (TRUE | FALSE)                                        # vBool
  | NULL_KW                                                # vNull
  | JCODE                                                 # vJurisdiction
  | ident                                                 # vIdent
  ;

// ---------------------------------------------------------------- schema
schemaDecl : SCHEMA LBRACE fieldDecl* RBRACE ;
recordDecl : RECORD ident LBRACE fieldDecl* RBRACE ;
fieldDecl  : ident COLON typeRef COMMA? ;
typeRef    : LIST OF typeRef | ident ;
enumDecl   : ENUM ident LBRACE ident (COMMA ident)* COMMA? RBRACE ;
actionDecl : ACTION ident (COMMA ident)* ;
eventDecl  : EVENT eventItem (COMMA eventItem)* ;
eventItem  : ident (ASSIGN path)? ;

// ---------------------------------------------------------------- jurisdictions
jurisdictionDecl
  : JURISDICTION_KW jurisdictionRef (IN jurisdictionRef)? (NAME localisedText+)?
  ;
groupDecl : GROUP ident (NAME localisedText+)? LBRACE groupMember (COMMA? groupMember)* COMMA? RBRACE ;
groupMember : jurisdictionRef (FROM DATE)? (UNTIL DATE)? (NOTE STRING)? ;

// ---------------------------------------------------------------- calendars
calendarDecl : CALENDAR ident (NAME localisedText+)? LBRACE calendarItem* RBRACE ;
calendarItem
  : WEEKEND ident (COMMA? ident)*                          # calWeekend
  | ZONE STRING                                            # calZone
  | YEAR INT (NOTICE STRING)? LBRACE dayEntry* RBRACE       # calYear
  ;
dayEntry
  : HOLIDAY localisedText+ DATE (TO DATE)?                 # dayHoliday
  | WORKDAY localisedText+ DATE (COMMA DATE)*              # dayWorkday
  ;

// soft keywords double as identifiers
ident
  : IDENT | TITLE | AUTHORITY | FORCE | EFFECTIVE | EXPIRES | BINDING | SOURCE | VERSION | APPLIES
  | TO | WHERE | CITE | ART | PARA | ITEM | ONE_OF | ALL_OF | BEFORE | WITHIN | AFTER | SATISFIED
  | SAYS | SINCE | LAST | CASE | AS_OF | FIRES | REQUIRES | MISSING | EXEMPTED | DUE | ACTION | EVENT
  | LIST | OF | NAME | FROM | UNTIL | NOTE | WEEKEND | YEAR | NOTICE | HOLIDAY | WORKDAY | CALENDAR_REF
  | WORKING_DAYS | DAYS | MONTHS | YEARS | GROUP | JURISDICTION_KW | SCHEMA | RECORD | ENUM | CALENDAR
  | TEST | EXPECT | WITH | ZONE | UNADJUSTED
  ;
