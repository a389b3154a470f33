# nimbus_set_warnings(target): the warning set every Nimbus target builds with.
function(nimbus_set_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
        -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
        -Wimplicit-fallthrough)
    if(NIMBUS_WERROR)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
endfunction()
