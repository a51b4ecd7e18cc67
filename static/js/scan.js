/* Camera and photo scanning for every scan field.
 *
 * A scan field is an <input data-scan> or the text input of a `.scan-row`. Next to it this adds
 * "Camera" (live video, when the browser may open a camera) and "Photo" (decode a picture taken
 * or chosen on the phone, which also works where the camera is refused, e.g. plain http).
 * A decoded barcode or QR code fills the field and submits the form the way a USB scanner's
 * Enter would, so the server sees exactly what a typed scan sends.
 *
 * Decoding uses the browser's BarcodeDetector when it has one (Android Chrome, Safari) and
 * otherwise the vendored zxing-cpp reader (WebAssembly), loaded only the first time it is needed.
 * (ZXing's JavaScript port was tried first: it missed about one valid pickup QR code in twenty.)
 * Without JavaScript the fields stay plain text inputs.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var fallbackUrl = script ? script.getAttribute("data-decoder") : null;
  var fallbackWasmUrl = script ? script.getAttribute("data-decoder-wasm") : null;
  var FORMATS = ["qr_code", "code_128", "code_39", "ean_13", "ean_8", "upc_a", "upc_e", "itf", "data_matrix"];
  var decoderPromise = null;
  var READER_MISSING = "The barcode reader could not be loaded.";

  function nativeDecoder() {
    if (!("BarcodeDetector" in window) || window.fulfilScanForceFallback) return Promise.resolve(null);
    return window.BarcodeDetector.getSupportedFormats()
      .then(function (supported) {
        var formats = FORMATS.filter(function (f) { return supported.indexOf(f) !== -1; });
        if (!formats.length) return null;
        var detector = new window.BarcodeDetector({ formats: formats });
        return {
          name: "native",
          decode: function (source) {
            return detector.detect(source).then(function (found) {
              return found.length ? found[0].rawValue : null;
            });
          },
        };
      })
      .catch(function () { return null; });
  }

  /* zxing-cpp compiled to WebAssembly: a script that defines window.ZXingWASM, and its .wasm. */
  function loadFallbackScript() {
    if (window.ZXingWASM) return Promise.resolve(window.ZXingWASM);
    return new Promise(function (resolve, reject) {
      if (!fallbackUrl || !fallbackWasmUrl) { reject(new Error(READER_MISSING)); return; }
      var tag = document.createElement("script");
      tag.src = fallbackUrl;
      tag.onload = function () { window.ZXingWASM ? resolve(window.ZXingWASM) : reject(new Error(READER_MISSING)); };
      tag.onerror = function () { tag.remove(); reject(new Error(READER_MISSING)); };
      document.head.appendChild(tag);
    });
  }

  function loadFallbackLibrary() {
    return loadFallbackScript().then(function (ZXingWASM) {
      // The library would fetch its .wasm from a CDN; ours is served with the other static files.
      return ZXingWASM.prepareZXingModule({
        overrides: { locateFile: function () { return fallbackWasmUrl; } },
        fireImmediately: true,
      }).then(function () { return ZXingWASM; }, function () {
        ZXingWASM.purgeZXingModule(); // else the failed load is kept and every later scan fails too
        throw new Error(READER_MISSING);
      });
    });
  }

  function wasmDecoder(ZXingWASM) {
    var options = {
      tryHarder: true,
      maxNumberOfSymbols: 1,
      formats: ["QRCode", "Code128", "Code39", "EAN-13", "EAN-8", "UPC-A", "UPC-E", "ITF", "DataMatrix"],
    };
    var canvas = document.createElement("canvas");
    return {
      name: "zxing-wasm",
      decode: function (source) {
        var width = source.videoWidth || source.naturalWidth || source.width;
        var height = source.videoHeight || source.naturalHeight || source.height;
        if (!width || !height) return Promise.resolve(null);
        // Large photos decode slowly and no better: scale the longer side down to 1280 px.
        var scale = Math.min(1, 1280 / Math.max(width, height));
        canvas.width = Math.round(width * scale);
        canvas.height = Math.round(height * scale);
        var context = canvas.getContext("2d", { willReadFrequently: true });
        context.drawImage(source, 0, 0, canvas.width, canvas.height);
        var pixels = context.getImageData(0, 0, canvas.width, canvas.height);
        return ZXingWASM.readBarcodes(pixels, options).then(function (found) {
          var valid = found.filter(function (result) { return result.isValid; });
          return valid.length ? valid[0].text : null;
        }, function () { return null; }); // an unreadable frame is a frame without a code
      },
    };
  }

  /* The decoder to use, created once per page. */
  function decoder() {
    if (!decoderPromise) {
      decoderPromise = nativeDecoder().then(function (native) {
        return native || loadFallbackLibrary().then(wasmDecoder);
      });
      decoderPromise.catch(function () { decoderPromise = null; });
    }
    return decoderPromise;
  }

  function say(field, text, isError) {
    var box = field.scanStatus;
    box.textContent = text;
    box.classList.toggle("scan-status-error", Boolean(isError));
    box.hidden = !text;
  }

  /* Fill the field and submit as a scanner's Enter would (the form's default button is the submitter). */
  function deliver(field, value) {
    field.value = value.trim();
    field.dispatchEvent(new Event("input", { bubbles: true }));
    say(field, "");
    var form = field.form;
    if (!form) return;
    var submitter = form.querySelector("button:not([type]), button[type=submit], input[type=submit]");
    if (submitter) submitter.click();
    else if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }

  function decodeFile(field, file) {
    if (!file) return;
    say(field, "Reading the photo…");
    var url = URL.createObjectURL(file);
    var image = new Image();
    image.onload = function () {
      decoder()
        .then(function (reader) { return reader.decode(image); })
        .then(function (value) {
          URL.revokeObjectURL(url);
          if (value) deliver(field, value);
          else say(field, "No barcode found in that photo. Hold the code flat, fill the frame with it and try again, or type it.", true);
        })
        .catch(function (error) {
          URL.revokeObjectURL(url);
          var missing = error && error.message === READER_MISSING;
          say(field, (missing ? READER_MISSING + " " : "The photo could not be read. ") + "Type the code instead.", true);
        });
    };
    image.onerror = function () {
      URL.revokeObjectURL(url);
      say(field, "That file is not a picture. Choose a photo of the barcode.", true);
    };
    image.src = url;
  }

  /* A full-screen camera view that reads frames until a code is found or the person closes it. */
  function openCamera(field) {
    var dialog = document.createElement("dialog");
    dialog.className = "scan-camera";
    dialog.setAttribute("aria-label", "Scan with the camera");
    dialog.innerHTML =
      '<video playsinline muted autoplay></video>' +
      '<div class="scan-camera-frame" aria-hidden="true"></div>' +
      '<p class="scan-camera-hint" role="status">Point the camera at the barcode or QR code.</p>' +
      '<button type="button" class="btn btn-lg" data-scan-close>Cancel</button>';
    document.body.appendChild(dialog);
    var video = dialog.querySelector("video");
    var hint = dialog.querySelector(".scan-camera-hint");
    var stream = null;
    var closed = false;
    function close() {
      if (closed) return;
      closed = true;
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      if (dialog.open) dialog.close();
      dialog.remove();
      field.focus();
    }
    dialog.querySelector("[data-scan-close]").addEventListener("click", close);
    dialog.addEventListener("cancel", close);
    dialog.showModal();
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
      .then(function (media) {
        stream = media;
        if (closed) { close(); return; }
        video.srcObject = media;
        return decoder().then(function (reader) {
          function tick() {
            if (closed) return;
            if (video.readyState < 2) { window.setTimeout(tick, 150); return; }
            reader.decode(video).then(function (value) {
              if (closed) return;
              if (value) { close(); deliver(field, value); }
              else window.setTimeout(tick, 150);
            });
          }
          tick();
        });
      })
      .catch(function (error) {
        var denied = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
        var noReader = error && error.message === READER_MISSING;
        hint.textContent = denied
          ? "The camera is blocked for this site. Allow it in the browser's settings, or use Photo."
          : noReader
            ? READER_MISSING + " Type the code instead."
            : "No camera could be opened. Use Photo, or type the code.";
        hint.classList.add("scan-status-error");
      });
  }

  function canUseCamera() {
    return Boolean(window.isSecureContext && navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  }

  function enhance(field) {
    if (field.dataset.scanReady) return;
    field.dataset.scanReady = "1";
    var tools = document.createElement("span");
    tools.className = "scan-tools";
    if (canUseCamera()) {
      var camera = document.createElement("button");
      camera.type = "button";
      camera.className = "btn scan-tool";
      camera.setAttribute("data-scan-camera", "");
      camera.setAttribute("aria-label", "Scan with the camera");
      camera.textContent = "Camera";
      camera.addEventListener("click", function () { openCamera(field); });
      tools.appendChild(camera);
    }
    var photo = document.createElement("label");
    photo.className = "btn scan-tool";
    photo.setAttribute("data-scan-photo", "");
    var input = document.createElement("input");
    input.type = "file";
    input.accept = "image/*";
    input.className = "visually-hidden";
    input.setAttribute("aria-label", "Scan from a photo");
    input.addEventListener("change", function () {
      decodeFile(field, input.files && input.files[0]);
      input.value = "";
    });
    photo.appendChild(input);
    photo.appendChild(document.createTextNode("Photo"));
    tools.appendChild(photo);
    var status = document.createElement("p");
    status.className = "scan-status";
    status.setAttribute("role", "status");
    status.hidden = true;
    field.scanStatus = status;
    var row = field.closest(".scan-row");
    if (row) {
      row.appendChild(tools);
      row.insertAdjacentElement("afterend", status);
    } else {
      field.insertAdjacentElement("afterend", tools);
      tools.insertAdjacentElement("afterend", status);
    }
  }

  function enhanceAll(root) {
    (root || document).querySelectorAll("input[data-scan], .scan-row input[type=text]").forEach(enhance);
  }

  window.fulfilScan = { decoder: decoder, enhanceAll: enhanceAll };
  enhanceAll(document);
  document.addEventListener("htmx:load", function (event) { enhanceAll(event.target); });
})();
