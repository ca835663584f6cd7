# End-to-end check of the CLI on the real public data: exit codes, JSON figures, atomic output.
# Run by ctest as: cmake -DOASIS=<exe> -DWORK=<dir> -P smoke.cmake
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

function(run expected_rc)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL expected_rc)
    message(FATAL_ERROR "`${ARGN}` exited with ${rc}, expected ${expected_rc}\nstdout: ${out}\nstderr: ${err}")
  endif()
  set(OUT "${out}" PARENT_SCOPE)
  set(ERR "${err}" PARENT_SCOPE)
endfunction()

run(0 "${OASIS}" --version)
if(NOT OUT MATCHES "^oasis [0-9]+\\.[0-9]+\\.[0-9]+")
  message(FATAL_ERROR "unexpected --version output: ${OUT}")
endif()

# Centre-Val de Loire (région 24): 1,754 communes of the COG 2026 (6 départements).
run(0 "${OASIS}" info --region 24 --json -q -o "${WORK}/info.json")
file(READ "${WORK}/info.json" J)
string(JSON n GET "${J}" communes)
string(JSON pop GET "${J}" population)
string(JSON gp GET "${J}" supply_total)
if(NOT n EQUAL 1754)
  message(FATAL_ERROR "région 24: expected 1754 communes, got ${n}")
endif()
if(pop LESS 2500000 OR pop GREATER 2700000)
  message(FATAL_ERROR "région 24: implausible population ${pop}")
endif()
if(gp LESS 2000 OR gp GREATER 5000)
  message(FATAL_ERROR "région 24: implausible GP count ${gp}")
endif()

# Refuses to overwrite, then overwrites when asked.
run(13 "${OASIS}" info --region 24 --json -q -o "${WORK}/info.json")
run(0 "${OASIS}" info --departement 37 --json -q -o "${WORK}/info.json" --overwrite)
file(READ "${WORK}/info.json" J)
string(JSON n GET "${J}" communes)
if(NOT n EQUAL 272)
  message(FATAL_ERROR "département 37: expected 272 communes, got ${n}")
endif()

# Bad input gives the documented codes and names the problem.
run(32 "${OASIS}" info --region 99 -q)
run(10 "${OASIS}" info --communes "${WORK}/missing.geojson" -q)
file(WRITE "${WORK}/bad.csv" "code_insee,nb\n1001,3\n")
run(30 "${OASIS}" info --departement 01 --supply "${WORK}/bad.csv" --supply-column nb -q)
if(NOT ERR MATCHES "use 01001")
  message(FATAL_ERROR "the malformed-code message lacks its fix: ${ERR}")
endif()
run(2 "${OASIS}" info --no-such-flag)
