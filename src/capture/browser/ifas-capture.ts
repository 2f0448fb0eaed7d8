/**
 * The embeddable build: `<script src="…/capture/ifas-capture.js">` defines <ifas-capture> on a host's
 * page; the host sets `element.captureToken` from its own backend's POST /v1/sessions answer.
 */

import { defineIfasCapture } from './ifas-capture-element.js';

defineIfasCapture();
