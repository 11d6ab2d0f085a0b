// The console's features. Each folder registers its own views and commands; adding a view
// means adding a folder and a line here, and touches no other view.
import './cases/index.js';
import './task-graph/index.js';
import './board/index.js';
import './entry/index.js';
import './agents/index.js';
import './wallet/index.js';
import './disclosure/index.js';
import './audit/index.js';
import './problems/index.js';
import './output/index.js';
import './status/index.js';
