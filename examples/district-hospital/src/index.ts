/** The district-hospital deployment, for guides and tests that build on it. */

export { createDeployment, deploymentConfig, plugins } from './deployment.js';
