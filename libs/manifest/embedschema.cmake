# Writes a JSON file into a C++ source file as a raw string literal named VAR.
file(READ "${INPUT}" SCHEMA_TEXT)
file(WRITE "${OUTPUT}" "// Generated from ${INPUT}; edit that file instead.\n"
    "namespace nimbus::manifest {\n"
    "extern const char *const ${VAR};\n"
    "const char *const ${VAR} = R\"nimbus_schema(${SCHEMA_TEXT})nimbus_schema\";\n"
    "}\n")
