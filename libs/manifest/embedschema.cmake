# Writes the schema JSON into a C++ source file as a raw string literal.
file(READ "${INPUT}" SCHEMA_TEXT)
file(WRITE "${OUTPUT}" "// Generated from ${INPUT}; edit that file instead.\n"
    "namespace nimbus::manifest {\n"
    "extern const char *const kBuiltinSchemaText;\n"
    "const char *const kBuiltinSchemaText = R\"nimbus_schema(${SCHEMA_TEXT})nimbus_schema\";\n"
    "}\n")
