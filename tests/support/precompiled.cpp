// The file each test folder's precompiled header is built with (tests/CMakeLists.txt).
