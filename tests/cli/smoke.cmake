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

# Travel: commune graph of Indre-et-Loire, written as CSV and read back through the table model.
run(0 "${OASIS}" travel --departement 37 --cutoff 20 -q -o "${WORK}/od37.csv")
run(0 "${OASIS}" travel --departement 37 --cutoff 20 --json)
string(JSON pairs GET "${OUT}" pairs)
if(pairs LESS 272 OR pairs GREATER 30000)
  message(FATAL_ERROR "département 37: implausible OD size ${pairs}")
endif()
run(0 "${OASIS}" travel --departement 37 --cutoff 20 --travel table --od-table "${WORK}/od37.csv" --json)
string(JSON pairs2 GET "${OUT}" pairs)
if(NOT pairs2 EQUAL pairs)
  message(FATAL_ERROR "table model read ${pairs2} pairs back, ${pairs} were written")
endif()
run(0 "${OASIS}" travel --departement 37 --cutoff 20 -q -o "${WORK}/od37.odb")
run(0 "${OASIS}" travel --departement 37 --cutoff 20 --travel table --od-table "${WORK}/od37.odb" --json)
string(JSON pairs3 GET "${OUT}" pairs)
if(NOT pairs3 EQUAL pairs)
  message(FATAL_ERROR "binary OD read ${pairs3} pairs back, ${pairs} were written")
endif()
run(0 "${OASIS}" travel --departement 92 --travel osm --osm "${OASIS_DATA_DIR}/osm/melun.osm.pbf" --json)
string(JSON snapped GET "${OUT}" osm snapped)
if(snapped LESS 1)
  message(FATAL_ERROR "no commune of the Hauts-de-Seine snapped to the Melun extract's roads")
endif()
run(2 "${OASIS}" travel --departement 37 --travel teleport)
run(40 "${OASIS}" travel --departement 37 --cutoff -5)
run(2 "${OASIS}" travel --departement 37 --travel osm)

# Access, matrix mode: the 3-tract example of the unit tests through the CLI contract.
file(WRITE "${WORK}/od.csv" "from_id,to_id,cost,note\na,x,5,\nb,x,10,\nb,y,20,\nc,y,5,\n")
file(WRITE "${WORK}/supply.csv" "id,supply\nx,10\ny,20\n")
file(WRITE "${WORK}/demand.csv" "id,population\nc,300\na,100\nb,200\nd,50\n")
run(0 "${OASIS}" access --od "${WORK}/od.csv" --supply "${WORK}/supply.csv" --demand "${WORK}/demand.csv"
    --method 2sfca -o "${WORK}/out.csv" -q)
file(READ "${WORK}/out.csv" A)
# Numbers are written in the shortest form that reads back as the same double.
set(expected "id,value,flag\nc,0.04,\na,0.03333333333333333,\nb,0.07333333333333333,\nd,0,no-supply-in-reach\n")
if(NOT A STREQUAL expected)
  message(FATAL_ERROR "2sfca matrix output:\n${A}\nexpected:\n${expected}")
endif()
# Cost to closest gives the times back as the file wrote them (5.8, not the float 5.800000190734863).
file(WRITE "${WORK}/od58.csv" "from_id,to_id,cost\na,x,5.8\nb,x,12.34\nb,y,7.1\nc,y,0.3\n")
run(0 "${OASIS}" access --od "${WORK}/od58.csv" --supply "${WORK}/supply.csv" --demand "${WORK}/demand.csv"
    --method cost-to-closest -o "${WORK}/out58.csv" -q)
file(READ "${WORK}/out58.csv" A)
set(expected "id,value,flag\nc,0.3,\na,5.8,\nb,7.1,\nd,,no-supply-in-reach\n")
if(NOT A STREQUAL expected)
  message(FATAL_ERROR "cost-to-closest matrix output:\n${A}\nexpected:\n${expected}")
endif()
run(13 "${OASIS}" access --od "${WORK}/od.csv" --supply "${WORK}/supply.csv" --demand "${WORK}/demand.csv" -o "${WORK}/out.csv")
# Spatial-availability settings on another method are refused, not ignored.
run(2 "${OASIS}" access --od "${WORK}/od.csv" --supply "${WORK}/supply.csv" --demand "${WORK}/demand.csv"
    --method 2sfca --sa-output per-capita -o "${WORK}/out_sa.csv")
run(2 "${OASIS}" access --od "${WORK}/od.csv" --supply "${WORK}/supply.csv" --demand "${WORK}/demand.csv"
    --method 5sfca -o "${WORK}/out2.csv")
file(WRITE "${WORK}/neg.csv" "from_id,to_id,cost\na,x,-3\n")
run(40 "${OASIS}" access --od "${WORK}/neg.csv" --supply "${WORK}/supply.csv" --demand "${WORK}/demand.csv" -o "${WORK}/out3.csv")

# Matrix mode reads the binary table as the CSV (told apart by content): the same 2SFCA from
# od37.odb and od37.csv (every pair is within 20 min in both, so the CSV's rounding cannot move one
# across a cutoff), and oasis site accepts it too.
file(WRITE "${WORK}/demand37.csv" "id,population\n37261,136000\n37001,1000\n37050,2000\n")
file(WRITE "${WORK}/supply37.csv" "id,supply\n37261,300\n37001,1\n")
foreach(ext csv odb)
  run(0 "${OASIS}" access --od "${WORK}/od37.${ext}" --supply "${WORK}/supply37.csv" --demand "${WORK}/demand37.csv"
      --method 2sfca -o "${WORK}/a37_${ext}.csv" -q)
  file(READ "${WORK}/a37_${ext}.csv" A37_${ext})
  run(0 "${OASIS}" site --od "${WORK}/od37.${ext}" --demand "${WORK}/demand37.csv" --p 1 -o "${WORK}/s37_${ext}.csv" -q)
  file(READ "${WORK}/s37_${ext}.csv" S37_${ext})
endforeach()
if(NOT A37_csv STREQUAL A37_odb OR NOT S37_csv STREQUAL S37_odb)
  message(FATAL_ERROR "binary and CSV OD disagree:\n${A37_csv}\n${A37_odb}\n${S37_csv}\n${S37_odb}")
endif()

# Access, commune mode: the DREES APL preset on Indre-et-Loire.
run(0 "${OASIS}" access --departement 37 --method apl -q --summary "${WORK}/apl37.json" -o "${WORK}/apl37.csv")
file(READ "${WORK}/apl37.json" S)
string(JSON mean GET "${S}" weighted_mean)
if(mean LESS 1.5 OR mean GREATER 5)
  message(FATAL_ERROR "département 37: implausible mean APL ${mean}")
endif()
