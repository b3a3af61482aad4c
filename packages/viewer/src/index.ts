export { createViewer, type ViewerApp, type ViewerAsset, type ViewerOptions } from './create-viewer';
export { VIEWER_ERRORS, ViewerNotBuiltError, ViewerOptionError } from './errors';
