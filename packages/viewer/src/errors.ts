/** The errors of `@monkeytracker/viewer`: both are thrown by `createViewer`, never while serving. */
import { defineError, errorTable } from '@monkeytracker/grid';

/** An option of `createViewer` is not what it must be. */
export const ViewerOptionError = defineError('ViewerOptionError', {
  code: 'VIEWER_INVALID_OPTION',
  scope: 'viewer',
  status: 500,
  summary: 'an option of createViewer is invalid (the message names it and what it must be)',
});

/** The built single-page app (dist/app/) is missing: the package was not built. */
export const ViewerNotBuiltError = defineError('ViewerNotBuiltError', {
  code: 'VIEWER_NOT_BUILT',
  scope: 'viewer',
  status: 500,
  summary:
    'the viewer app is not built (dist/app/manifest.json is missing); run `pnpm --filter @monkeytracker/viewer build`',
});

/** Every error code of this package, with its HTTP status and meaning. */
export const VIEWER_ERRORS = errorTable(ViewerOptionError, ViewerNotBuiltError);
