#pragma once
// Retention: Store::prune drops whole old ranges of the trail (see the notes in recorder/store/prune.cpp).
// PruneOptions, PruneReport and VacuumReport are plain data of the store's API: model.hpp.
#include "proctrail/model.hpp"
