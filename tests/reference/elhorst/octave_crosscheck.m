% Optional cross-check of make_reference.py against Elhorst's own sar_panel_FE.m (GNU Octave 7).
% Elhorst's code is NOT part of this repository. To run: put his elhorst_panel/ folder, LeSage's
% spatial/lndet_funcs/ and util/invpd.m (e.g. from github.com/jfhawkin/Spatial-Econometric-Software, same
% folder layout) in one directory together with this file, reference.json and the data written from
% make_reference.py's loaders as
% <produc|demo>_{y,x,w}.csv (time-major, sorted ids). Two edits to sar_panel_FE.m are needed for Octave:
% the fminbnd call with trailing arguments becomes an anonymous function, and right after it
%   global RHO_FIXED; if ~isempty(RHO_FIXED) p = RHO_FIXED; end
% lets mode 2 fix rho at the exact optimum of reference.json (mode 1 is his fminbnd on the log-det grid).
% Path to reference.json: REF below. Run: octave --no-gui -q octave_crosscheck.m
addpath('elhorst_panel'); addpath('spatial/lndet_funcs'); addpath('util');
global RHO_FIXED;
REF = 'reference.json';
ref = jsondecode(fileread(REF));
tags = {'produc','demo'}; Ts = [17 15];
fes = {'entity','time','twoway'};
for d = 1:2
  y = csvread([tags{d} '_y.csv']); x = csvread([tags{d} '_x.csv']); W = csvread([tags{d} '_w.csv']);
  T = Ts(d); N = size(W,1);
  wx = zeros(size(x));
  for t=1:T, t1=1+(t-1)*N; t2=t*N; wx(t1:t2,:) = W*x(t1:t2,:); end
  for m = 1:2
    if m==1, X = x; mname='SAR'; else X = [x wx]; mname='SDM'; end
    for f = 1:3
      r = ref.(tags{d}).(fes{f}).(mname);
      for mode = 1:2
        info.lflag = 0; info.model = f; info.bc = 1; info.fe = 0;
        if mode==1, RHO_FIXED = []; else RHO_FIXED = r.uncorrected.rho; end
        evalc('res = sar_panel_FE(y, X, W, T, info);');
        se = sqrt(diag(res.cov));
        k = size(X,2);
        rc = struct2cell(r.coefficients); rc = [rc{:}]';
        rs = struct2cell(r.std_errors); rs = [rs{:}]';
        dc = max(abs(res.beta - rc)); dr = abs(res.rho - r.rho); dsg = abs(res.sige - r.sigma2);
        dse = max(abs(se(1:k+1) - [rs; r.rho_se])); dsse = abs(se(k+2) - r.sigma2_se);
        if mode==1, lab='fminbnd+grid'; else lab='rho fixed  '; end
        printf('%s %-6s %s %s: rho oct %.8f ref %.8f | max|d| coef %.1e rho %.1e sigma2 %.1e se %.1e se(s2) %.1e\n', tags{d}, fes{f}, mname, lab, res.rho, r.rho, dc, dr, dsg, dse, dsse);
      end
    end
  end
end
